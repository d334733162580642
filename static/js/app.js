// Small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // When htmx gets an error it does not swap (403, 500, lost connection), say so
  // in a live region instead of failing silently.
  function announce(message) {
    var region = document.getElementById("request-error");
    if (!region) {
      region = document.createElement("div");
      region.id = "request-error";
      region.className = "alert alert-error floating";
      region.setAttribute("role", "alert");
      document.body.appendChild(region);
    }
    region.textContent = message;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var parsed = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var alert = parsed.querySelector(".alert");
    announce(alert ? alert.textContent.trim() : document.documentElement.dataset.errorMessage);
  });

  document.addEventListener("htmx:sendError", function () {
    announce(document.documentElement.dataset.offlineMessage);
  });
})();
