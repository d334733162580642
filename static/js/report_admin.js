// Report forms (admin): the default title follows the period while nobody has typed their own,
// and choosing another previous report fetches that report's suggested period.
(function () {
  "use strict";

  function defaultTitle(start, end) {
    return start && end ? "Verksamhetsrapport " + start + " – " + end : "";
  }

  var title = document.querySelector("[data-auto-title]");
  var start = document.getElementById("period_start");
  var end = document.getElementById("period_end");
  if (title && start && end) {
    var previousDefault = defaultTitle(start.value, end.value);
    var follow = function () {
      var next = defaultTitle(start.value, end.value);
      if (title.value === "" || title.value === previousDefault) title.value = next;
      previousDefault = next;
    };
    start.addEventListener("change", follow);
    end.addEventListener("change", follow);
  }

  var previous = document.querySelector("select[data-defaults-url]");
  if (previous) {
    previous.addEventListener("change", function () {
      window.location.assign(previous.dataset.defaultsUrl + "?from=" + encodeURIComponent(previous.value));
    });
  }
})();
