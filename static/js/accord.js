// Accord's small script: htmx error messages and focus after swaps. Pages work without it.
(function () {
  "use strict";

  function announce(text, level) {
    var box = document.getElementById("messages");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "message message--" + (level || "error");
    p.textContent = text;
    box.appendChild(p);
  }

  // htmx does not swap error responses; show their message instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "Something went wrong (" + xhr.status + "). Nothing was saved; please try again.";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector("[data-error-message]");
      if (node) text = node.textContent.trim();
    } catch (e) { /* keep the generic text */ }
    announce(text, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    announce("The server could not be reached. Check your connection and try again.", "error");
  });

  // A swapped-in error summary takes focus so a screen reader hears it at once.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
})();
