// Presence on the block page (templates/blocks/_presence.html). The heartbeat is htmx (on load
// and every few seconds); this file says goodbye when the page goes away and hello again when it
// comes back. Without it presence still ends, only later: when the heartbeats stop for a TTL.
(function () {
  "use strict";

  function heartbeat() {
    return document.querySelector("[data-presence-leave]");
  }

  // The CSRF token travels in the X-CSRFToken header of every htmx request (hx-headers on
  // <body>). A beacon cannot set headers, so it posts the token as the form field Flask-WTF reads.
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // pagehide, not unload or beforeunload: it fires on closing the tab, reloading, navigating
  // away and going into the back/forward cache, and a beacon is the one request the browser
  // still sends after the page is gone (an htmx request would be cancelled).
  window.addEventListener("pagehide", function () {
    var element = heartbeat();
    if (!element || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("csrf_token", csrfToken());
    navigator.sendBeacon(element.getAttribute("data-presence-leave"), data);
  });

  function refresh() {
    var element = heartbeat();
    if (element && window.htmx) window.htmx.trigger(element, "presence-refresh");
  }

  // Back from the back/forward cache (after a goodbye), or a hidden tab shown again (whose
  // timers the browser may have slowed): be present again at once.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) refresh();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
})();
