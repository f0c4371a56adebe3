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

  // After an htmx swap that the person asked for, focus goes to what came back, and a
  // screen reader hears it: the error summary when there is one, else the first
  // [data-focus], else the first heading (made focusable with tabindex="-1"). Text marked
  // [data-announce] is also read out through the polite live region. Polling and
  // "load" swaps move nothing: they must not pull focus from what the person is doing.
  // A change of a filter field keeps focus in the filters (more may follow), so only an
  // error moves it then. Content marked [data-focus-managed] (the review queue, whose
  // keyboard flow moves on to the next lead) is announced here but focused by its script.
  var USER_EVENTS = /^(submit|click)$/;
  var TYPING_EVENTS = /^(change|input|keyup|search)$/;

  function say(text) {
    var region = document.getElementById("live-status");
    if (!region || !text) return;
    region.textContent = "";
    // A change after a pause is read out even when the text is the same as before.
    window.setTimeout(function () { region.textContent = text; }, 100);
  }

  function swapped(event) {
    var target = event.detail.target;
    if (target && target.isConnected) return target;
    // hx-swap="outerHTML" replaced the target: its successor carries the same id.
    return target && target.id ? document.getElementById(target.id) : null;
  }

  function within(content, selector) {
    return content.matches(selector) ? content : content.querySelector(selector);
  }

  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    var kind = trigger ? trigger.type : "";
    if (!USER_EVENTS.test(kind) && !TYPING_EVENTS.test(kind)) {
      // A polled box that reaches its end (a re-run of the check done or stopped) says so
      // once through the live region; while it polls, it says nothing.
      var polled = swapped(event);
      var ended = polled && within(polled, "[data-announce-ended]");
      if (ended) say(ended.getAttribute("data-announce-ended"));
      return;
    }
    var content = swapped(event);
    if (!content) return;
    var error = within(content, "[data-error-summary], .error-summary, [role=alert]");
    var announce = within(content, "[data-announce]");
    if (announce) say(announce.getAttribute("data-announce") || announce.textContent.trim());
    if (error) { focusOn(error); return; }
    if (TYPING_EVENTS.test(kind) || content.closest("[data-focus-managed]")) return;
    focusOn(within(content, "[data-focus]") || within(content, "h1, h2, h3, h4") || content);
  });

  // A table region is a tab stop (tabindex="0" in the markup, so a keyboard can scroll it
  // without this script) only while its table is wider than it: no empty stops at 1280 px.
  function tableStops() {
    document.querySelectorAll(".table-scroll[role=region]").forEach(function (region) {
      region.tabIndex = region.scrollWidth > region.clientWidth + 1 ? 0 : -1;
    });
  }
  var resizing;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(tableStops, 150);
  });
  document.addEventListener("htmx:afterSettle", tableStops);
  // Late layout (web fonts, images, a details element opened) changes a table's width too.
  window.addEventListener("load", tableStops);
  if ("ResizeObserver" in window) {
    var watcher = new ResizeObserver(tableStops);
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll(".table-scroll[role=region], .table-scroll[role=region] > table")
        .forEach(function (element) { watcher.observe(element); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tableStops();
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
})();
