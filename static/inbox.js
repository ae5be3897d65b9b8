// Keyboard shortcuts for the inbox: j/k move, a approve, e edit, r reject.
(function () {
  function cards() { return Array.from(document.querySelectorAll("#tab-body .card")); }
  function current() { return document.querySelector("#tab-body .card.focused") || cards()[0]; }
  function focusCard(card) {
    cards().forEach(function (c) { c.classList.remove("focused"); });
    if (card) { card.classList.add("focused"); card.focus({ preventScroll: false }); }
  }
  function move(step) {
    var list = cards(), index = list.indexOf(current());
    focusCard(list[Math.min(Math.max(index + step, 0), list.length - 1)]);
  }
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (typing) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        var approve = event.target.closest(".card") && event.target.closest(".card").querySelector("[data-action=approve]");
        if (approve) { event.preventDefault(); approve.click(); }
      } else if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var card = current();
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { var b = card && card.querySelector("[data-action=approve]"); if (b) b.click(); },
      e: function () { var t = card && card.querySelector("textarea"); if (t) { t.focus(); t.setSelectionRange(t.value.length, t.value.length); } },
      r: function () { var i = card && card.querySelector("input[name=reason]"); if (i) i.focus(); },
      u: function () { var b = card && card.querySelector("[data-action=undo]"); if (b) b.click(); },
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.name === "reason" && event.key === "Enter") {
      event.preventDefault();
      var reject = event.target.closest(".card").querySelector("[data-action=reject]");
      if (reject) reject.click();
    }
  }, true);
  // After a decision, the next pending card takes the focus.
  document.body.addEventListener("inbox:decided", function (event) {
    var done = document.getElementById("draft-" + event.detail.draft);
    var list = cards(), index = list.indexOf(done);
    var next = list.slice(index + 1).find(function (c) { return !c.classList.contains("decided"); });
    focusCard(next || done);
  });
})();
