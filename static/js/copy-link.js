// "Kopiera länken": copies a read-only field's text (the one-time link an admin passes on).
// The button stays hidden without JavaScript; the field can always be selected and copied by hand.
(function () {
  "use strict";

  function say(button, message) {
    var status = button.closest("[data-copy-status-scope], .one-time-link");
    var region = status ? status.querySelector(".copy-status") : null;
    if (region) region.textContent = message;
  }

  function copyByHand(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (error) { return false; }
  }

  function copy(button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    var done = function () { say(button, button.dataset.copiedMessage); };
    var failed = function () {
      if (copyByHand(field)) done(); else say(button, button.dataset.copyFailedMessage);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, failed);
    } else {
      failed();
    }
  }

  function setUp() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
    // Clicking the field selects the whole link, ready for Ctrl+C.
    document.querySelectorAll(".one-time-link input[readonly]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
