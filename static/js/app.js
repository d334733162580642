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

  // Spreadsheet-like movement in statistics grids: arrows and Enter move between inputs.
  // Left/right only leave a cell when the caret is already at its edge.
  function gridInputs(table) {
    return Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (row) {
      return Array.prototype.slice.call(row.querySelectorAll("td"));
    });
  }

  function moveFrom(input, rowStep, columnStep) {
    var table = input.closest("table[data-grid]");
    var cell = input.closest("td");
    var rows = gridInputs(table);
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(cell);
      if (c === -1) continue;
      for (var nr = r + rowStep, nc = c + columnStep;
           nr >= 0 && nr < rows.length && nc >= 0 && nc < rows[nr].length;
           nr += rowStep, nc += columnStep) {
        var target = rows[nr][nc].querySelector("input");
        if (target) { target.focus(); target.select(); return true; }
        if (rowStep === 0 && columnStep === 0) break;
      }
      return false;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.closest("table[data-grid]")) return;
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var moved = false;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) moved = moveFrom(input, 1, 0);
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) moved = moveFrom(input, -1, 0);
    else if (event.key === "ArrowRight" && atEnd) moved = moveFrom(input, 0, 1);
    else if (event.key === "ArrowLeft" && atStart) moved = moveFrom(input, 0, -1);
    if (event.key === "Enter" && !moved) {
      // Last row: nowhere to go, but Enter still means "this value is done".
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (moved || event.key === "Enter") event.preventDefault();  // Enter never submits from a grid
  });

  document.addEventListener("htmx:sendError", function () {
    announce(document.documentElement.dataset.offlineMessage);
  });
})();
