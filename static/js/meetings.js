// Meetings: keep the participation board's polling polite. The page works without it.
(function () {
  "use strict";
  // Stop polling the board while the tab is hidden; htmx resumes on the next trigger.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt.id === "participation") {
      event.preventDefault();
    }
  });
})();
