// Comments: "Citera markerad text" copies the text selected in the block into the quote field.
// Progressive enhancement only: without this file the quote field is typed or pasted by hand.
(function () {
  "use strict";

  var lastSelection = "";

  function selectedBlockText() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return "";
    var node = selection.getRangeAt(0).commonAncestorContainer;
    var element = node.nodeType === 1 ? node : node.parentElement;
    if (!element || !element.closest(".block-main") || element.closest("#comments")) return "";
    return selection.toString().replace(/\s+/g, " ").trim().slice(0, 2000);
  }

  function showButtons() {
    document.querySelectorAll("[data-quote-button]").forEach(function (button) { button.hidden = false; });
  }

  // Clicking the button moves focus and may clear the selection: remember it as it changes.
  document.addEventListener("selectionchange", function () {
    var text = selectedBlockText();
    if (text) lastSelection = text;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-quote-button]");
    if (!button) return;
    var field = button.form && button.form.querySelector("[data-quote-field]");
    if (!field) return;
    var text = selectedBlockText() || lastSelection;
    if (text) {
      field.value = text;
      var body = button.form.querySelector("textarea[name=body]");
      if (body) body.focus();
    } else {
      field.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", showButtons);
  document.addEventListener("htmx:afterSettle", showButtons);
})();
