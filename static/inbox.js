// The inbox keyboard: j/k move, a approve, e edit (ctrl+enter approves), r reject, g regenerate,
// s spam, u undo, x select, shift+a approve selected, / search, ? help. Everything also has a button.
//
// The card in view is remembered by its id, not by its element: htmx replaces a card's element
// when it answers (a warning to confirm, an error, the decided card), and the next key must still
// act on that card, never on whatever happens to be first in the list.
(function () {
  // Dates and times on the pages in the viewer's time zone: the server reads this cookie.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) < 0) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: the pages stay in UTC */ }

  var focusedId = null;  // the id of the card the keys act on; null until the reviewer picks one
  var lastDecidedId = null;

  function cards() { return Array.from(document.querySelectorAll("#tab-body .card")); }
  function byId(id) {
    var element = id && document.getElementById(id);
    return element && element.closest("#tab-body") ? element : null;
  }
  // The card the keys act on: the one the reviewer moved to, else the card in view (the open card
  // of the triage layout, the first card elsewhere).
  function current() { return byId(focusedId) || document.querySelector("#tab-body .card.open") || cards()[0]; }
  // Mark a card as the one in view: it opens (triage layout) and its line in the list lights up.
  function select(card) {
    cards().forEach(function (c) { if (c !== card) { c.classList.remove("focused", "open"); } });
    document.querySelectorAll("#queue-lines .line.current").forEach(function (l) { l.classList.remove("current"); });
    focusedId = card ? card.id : null;
    if (!card) { return; }
    card.classList.add("focused", "open");
    var line = document.getElementById("line-" + (card.dataset.draft || ""));
    if (line) { line.classList.add("current"); if (line.scrollIntoView) { line.scrollIntoView({ block: "nearest" }); } }
  }
  function focusCard(card) {
    select(card);
    if (card) { card.focus({ preventScroll: false }); }
  }
  function move(step) {
    var list = cards(), chosen = byId(focusedId);
    if (!chosen) { focusCard(current()); return; }  // the first j (or k) picks the card in view
    var index = list.indexOf(chosen);
    focusCard(list[Math.min(Math.max(index + step, 0), list.length - 1)]);
  }
  function click(card, selector) {
    // htmx wires up swapped-in content only when it settles (about 20 ms later) but hands the
    // focus to the new card at once: a fast key would submit the form natively. Wire it now
    // (htmx.process is a no-op on content it already processed).
    if (card && card.nodeType === 1 && window.htmx && card.isConnected) { htmx.process(card); }
    var element = card && card.querySelector(selector);
    if (element) { element.click(); }
    return element;
  }
  function focusField(card, selector) {
    var field = card && card.querySelector(selector);
    if (field) { field.focus(); if (field.setSelectionRange) { field.setSelectionRange(field.value.length, field.value.length); } }
  }
  function updateSelected() {
    var counter = document.getElementById("selected-count");
    if (!counter) { return; }
    // The page's language picks the form: "1 selected" / "2 selected", « 1 sélectionné » / « 2 sélectionnés ».
    var n = document.querySelectorAll(".select-draft:checked").length;
    var form = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en").select(n) : (n === 1 ? "one" : "other");
    var template = (form === "one" ? counter.dataset.one : counter.dataset.other) || "{n} selected";
    counter.textContent = template.replace("{n}", n);
  }

  // Snippets: ; on a card (or ;; while typing its reply) opens the picker; the chosen snippet goes
  // into the reply at the cursor with {fan_name}, {link} and {creator} filled in.
  var snippetTarget = null;
  function snippetText(button, card) {
    var picker = document.getElementById("snippet-picker");
    var values = {
      fan_name: (card && card.dataset.fanName) || "",
      link: (card && card.dataset.link) || "",
      creator: (picker && picker.dataset.creator) || "",
    };
    return button.dataset.text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }
  function visibleSnippets() {
    return Array.from(document.querySelectorAll("#snippet-picker .snippet")).filter(function (b) { return !b.closest("li").hidden; });
  }
  function openPicker(card) {
    var picker = document.getElementById("snippet-picker");
    var area = card && card.querySelector("textarea[name=text]");
    if (!picker || !area) { return false; }
    snippetTarget = { card: card, area: area, start: area.selectionStart, end: area.selectionEnd };
    var filter = document.getElementById("snippet-filter");
    filter.value = "";
    document.querySelectorAll("#snippet-picker li").forEach(function (li) { li.hidden = false; });
    picker.showModal();
    filter.focus();
    return true;
  }
  function insertSnippet(button) {
    var picker = document.getElementById("snippet-picker");
    var t = snippetTarget;
    picker.close();
    if (!t || !button) { return; }
    var text = snippetText(button, t.card), value = t.area.value;
    var start = typeof t.start === "number" ? t.start : value.length, end = typeof t.end === "number" ? t.end : value.length;
    t.area.value = value.slice(0, start) + text + value.slice(end);
    t.area.focus();
    t.area.setSelectionRange(start + text.length, start + text.length);
    snippetTarget = null;
  }
  document.addEventListener("input", function (event) {
    if (event.target.id !== "snippet-filter") { return; }
    var wanted = event.target.value.toLowerCase();
    document.querySelectorAll("#snippet-picker .snippet").forEach(function (b) {
      b.closest("li").hidden = wanted !== "" && (b.dataset.name + " " + b.dataset.text).toLowerCase().indexOf(wanted) < 0;
    });
  });
  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest("#snippet-picker");
    if (!picker) { return; }
    var list = visibleSnippets(), index = list.indexOf(event.target);
    if (event.key === "Enter") {
      event.preventDefault(); event.stopPropagation();
      insertSnippet(index >= 0 ? list[index] : list[0]);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault(); event.stopPropagation();
      var next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) { document.getElementById("snippet-filter").focus(); } else if (list[Math.min(next, list.length - 1)]) { list[Math.min(next, list.length - 1)].focus(); }
    } else if (event.key === "Escape" && snippetTarget) {
      var area = snippetTarget.area;
      setTimeout(function () { area.focus(); }, 0);
    }
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#snippet-picker .snippet");
    if (button) { insertSnippet(button); }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.closest && target.closest("#snippet-picker")) { return; }
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "checkbox";
    if (typing) {
      var card = target.closest(".card");
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
        event.preventDefault();
        click(card, "[data-action=approve]") || click(card, "[data-action=answer]");
      } else if (event.key === "Enter" && target.name === "reason") {
        event.preventDefault();
        click(card, "[data-action=reject]");
      } else if (event.key === ";" && target.tagName === "TEXTAREA" && card && target.selectionStart > 0 &&
                 target.value.charAt(target.selectionStart - 1) === ";" && document.getElementById("snippet-picker")) {
        // ";;" while typing: drop the first ";" and open the picker here.
        event.preventDefault();
        var at = target.selectionStart;
        target.value = target.value.slice(0, at - 1) + target.value.slice(at);
        target.setSelectionRange(at - 1, at - 1);
        openPicker(card);
      } else if (event.key === "Escape") {
        target.blur();
        if (card) { focusCard(card); }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var focused = current();
    // Acting on the card in view picks it: the next j moves on from there.
    if (focused && !byId(focusedId) && /^[aeurgsx;]$/.test(event.key)) { focusCard(focused); }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { click(focused, "[data-action=approve]"); },
      A: function () { click(document, "[data-action=bulk-approve]"); },
      e: function () { focusField(focused, "textarea"); },
      r: function () { focusField(focused, "input[name=reason]"); },
      s: function () { click(focused, "[data-action=mark-spam]"); },
      g: function () { focusField(focused, "input[name=instruction]"); },
      u: function () { click(byId(lastDecidedId) || focused, "[data-action=undo]"); },
      x: function () {
        var box = focused && focused.querySelector(".select-draft");
        if (box) { box.checked = !box.checked; updateSelected(); }
      },
      ";": function () {
        var area = focused && focused.querySelector("textarea[name=text]");
        if (area) { area.setSelectionRange(area.value.length, area.value.length); }
        openPicker(focused);
      },
      "/": function () { focusField(document, "#search"); },
      "?": function () { var help = document.getElementById("shortcuts"); if (help) { help.showModal(); } },
    };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("select-draft")) { updateSelected(); }
  });
  document.addEventListener("click", function (event) {
    var alternative = event.target.closest(".alt");
    if (alternative) {
      var area = alternative.closest(".card").querySelector("textarea");
      area.value = alternative.dataset.text;
      area.focus();
    }
    // A line of the triage list opens its card here (the href opens it without JS).
    var line = event.target.closest("#queue-lines a[data-open]");
    if (line && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      var target = byId(line.dataset.open);
      if (target) { event.preventDefault(); focusCard(target); return; }
    }
    var card = event.target.closest("#tab-body .card");
    if (card && card.id !== focusedId) { select(card); }
  });

  // After a decision, the next undecided card takes the focus.
  document.body.addEventListener("inbox:decided", function (event) {
    var detail = event.detail || {};
    var done = document.getElementById(detail.draft ? "draft-" + detail.draft : "comment-" + detail.comment);
    if (done) {
      lastDecidedId = done.id;
      var doneLine = document.getElementById("line-" + (detail.draft || ""));
      if (doneLine) { doneLine.classList.add("decided"); }
    }
    var list = cards(), index = list.indexOf(done);
    var next = list.slice(index + 1).find(function (c) { return !c.classList.contains("decided"); });
    focusCard(next || done);
  });
  // Comments marked together with another leave the queue: their cards and lines go.
  document.body.addEventListener("inbox:left", function (event) {
    var detail = event.detail || {};
    (detail.drafts || []).forEach(function (id) {
      ["draft-" + id, "line-" + id].forEach(function (elementId) {
        var element = document.getElementById(elementId);
        if (element) { element.remove(); }
      });
    });
    (detail.comments || []).forEach(function (id) {
      var card = document.getElementById("comment-" + id);
      if (card) { card.remove(); }
    });
  });
  // A card htmx swapped in (a warning to confirm, an error, a fresh draft) keeps the focus if
  // its card had it: same id, new element.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    // The card just decided stays in view, small, above the next one (its undo button).
    var decided = byId(lastDecidedId);
    if (decided && !decided.classList.contains("decided")) {  // undone: it is pending again, open it
      lastDecidedId = null;
      var undoneLine = document.getElementById("line-" + (decided.dataset.draft || ""));
      if (undoneLine) { undoneLine.classList.remove("decided"); }
      decided.classList.remove("last-decided");
      focusCard(decided);
      return;
    }
    if (decided && !decided.classList.contains("last-decided")) {
      document.querySelectorAll("#tab-body .card.last-decided").forEach(function (c) { c.classList.remove("last-decided"); });
      if (decided !== byId(focusedId)) { decided.classList.add("last-decided"); }
    }
    var card = byId(focusedId);
    if (card && !card.classList.contains("focused")) {
      card.classList.add("focused", "open");
      if (!card.contains(document.activeElement) || document.activeElement === document.body) { card.focus({ preventScroll: true }); }
    }
  });
  // Saving a view saves the filters in the address bar now (htmx may have changed them since
  // the page was rendered), without evaluating code from an attribute (the CSP forbids eval).
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "save-view") {
      event.detail.parameters.query = window.location.search;
    }
  });
  // A brief that was sent empties its form, so the same brief is not sent twice by a second click.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.id === "brief-form") { form.reset(); }
  });
  // After a bulk approval, show the result and reload the queue.
  document.body.addEventListener("inbox:bulk", function () {
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#tab-body", select: "#tab-body", swap: "outerHTML" });
    updateSelected();
  });
})();
