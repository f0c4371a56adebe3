// The review queue from the keyboard. Pages work without it.
(function () {
  "use strict";

  function cards() { return Array.prototype.slice.call(document.querySelectorAll("[data-lead]")); }

  function currentCard() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-lead]") : null;
  }

  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  function nextCard(card, step) {
    var all = cards();
    var index = all.indexOf(card);
    return all[Math.min(Math.max(index + step, 0), all.length - 1)] || all[0];
  }

  // The queue comes in pages: past the last card, fetch the next page and go on there.
  function loadMore() {
    var more = document.querySelector("[data-queue-more]");
    if (!more) return false;
    more.click();
    return true;
  }

  function choose(card, suffix, value) {
    var input = card.querySelector('input[name$="-' + suffix + '"][value="' + value + '"]');
    if (input) input.checked = true;
  }

  function details(card) { return card.querySelector("[data-lead-details]"); }

  // Open (or close) a lead's review: opening goes to its first choice, closing back to the row.
  function toggle(card) {
    var review = details(card);
    if (!review) return;
    review.open = !review.open;
    var first = review.open && review.querySelector("input[type=radio]");
    if (first) first.focus(); else focusCard(card);
  }

  function save(card) {
    var form = card.querySelector("[data-lead-form]");
    if (form) form.requestSubmit();
  }

  function typing(target) {
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(target.type);
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-lead]")) return;
    var card = currentCard();
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && card) {
      event.preventDefault();
      save(card);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      var all = cards();
      if (card && event.key === "j" && all.indexOf(card) === all.length - 1 && loadMore()) return;
      focusCard(card ? nextCard(card, event.key === "j" ? 1 : -1) : all[0]);
    } else if (card && event.key === "a") {
      event.preventDefault();
      choose(card, "agrees_with_stage", "yes");
      choose(card, "decision", "accepted");
      save(card);
    } else if (card && (event.key === "o" || (event.key === "Enter" && event.target === card))) {
      event.preventDefault();
      toggle(card);
    } else if (card && event.key === "u") {
      var undo = card.querySelector("[data-undo]");
      if (undo) { event.preventDefault(); undo.click(); }
    } else if (card && event.key === "x") {
      event.preventDefault();
      var select = card.querySelector(".lead-card__select");
      if (select) select.checked = !select.checked;
    } else if (card && (event.key === "r" || event.key === "n")) {
      event.preventDefault();
      choose(card, "agrees_with_stage", "no");
      choose(card, "decision", event.key === "r" ? "rejected" : "recycled");
      // The reasons are in the lead's review: open it to choose one.
      if (details(card)) details(card).open = true;
      var reason = card.querySelector("[data-reasons] input");
      if (reason) reason.focus();
    }
  });

  // A click on "Show the next leads" focuses the first lead it brought (from the keyboard
  // or the mouse alike), so a screen reader and the j/k keys carry on from there.
  document.addEventListener("click", function (event) {
    var more = event.target.closest && event.target.closest("[data-queue-more]");
    if (!more) return;
    var last = cards().slice(-1)[0];
    window.accordQueueAfter = last ? last.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!("accordQueueAfter" in window)) return;
    var all = cards();
    var last = window.accordQueueAfter && document.getElementById(window.accordQueueAfter);
    delete window.accordQueueAfter;
    focusCard(last ? all[all.indexOf(last) + 1] || last : all[0]);
  });

  // After a lead is saved, move on to the next one still waiting, so the keyboard flows.
  // A change to a finished review stays on its Undo instead (j carries on from there); once
  // nothing waits, focus goes to the "All reviewed" message.
  document.addEventListener("htmx:afterSwap", function (event) {
    var card = event.detail.target;
    if (!card || !card.matches || !card.matches("[data-lead]")) return;
    var fresh = document.getElementById(card.id);
    if (!fresh) return;
    // "Saved" marks the lead just saved: the one saved before it shows its verdict alone.
    if (fresh.querySelector(".saved-note")) {
      document.querySelectorAll(".saved-note").forEach(function (note) {
        if (!fresh.contains(note)) note.remove();
      });
    }
    var problem = fresh.querySelector("[data-error-summary], .errorlist");
    if (problem) {
      if (details(fresh) && details(fresh).contains(problem)) details(fresh).open = true;
      focusCard(fresh);
      return;
    }
    var undo = fresh.querySelector("[data-undo]");
    if (undo) { undo.focus(); return; }
    if (fresh.querySelector("[data-undone]")) { focusCard(fresh); return; }
    var all = cards();
    var after = all.slice(all.indexOf(fresh) + 1).concat(all.slice(0, all.indexOf(fresh)));
    var waiting = after.filter(function (c) { return c.querySelector("[data-waiting]"); })[0];
    var done = document.querySelector("[data-all-reviewed]");
    if (!waiting && done) { done.focus(); done.scrollIntoView({ block: "nearest" }); return; }
    if (!waiting && loadMore()) return;
    focusCard(waiting || fresh);
  });
})();
