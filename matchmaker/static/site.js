// Behaviour that would otherwise sit in inline event attributes, which the
// Content-Security-Policy forbids. Texts come from data-t-* attributes on <body> (the catalog).
//   data-print                  a button that prints the page
//   select[data-autosubmit]     submits its form on change
//   data-menu-toggle            the phone menu button (aria-expanded, aria-controls)
//   data-confirm="…"            on a form or a submit button: a dialog naming the consequence
//                               before the form is sent; data-confirm-ok (button text),
//                               data-confirm-danger (red button), data-confirm-quote (the name of
//                               a field whose value the dialog repeats)
//   every form                  a save that takes over 300 ms disables its button and shows a
//                               spinner; a second submit while one is under way is ignored
//   every input                 the browser's validation messages in the page's language
//   .table-wrap, .wide          focusable (keyboard scrolling) when wider than the screen
//   table.cards                 each cell gets data-label (its column's name) for the phone layout
(function () {
  "use strict";
  document.documentElement.classList.add("js");   // loaded in <head>: before the first paint

  function text(name, values) {
    var t = (document.body && document.body.getAttribute("data-t-" + name)) || "";
    Object.keys(values || {}).forEach(function (k) { t = t.split("{" + k + "}").join(values[k]); });
    return t;
  }

  // --- print, auto-submitting selects, the phone menu ---------------------------------------
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) { window.print(); }
    var toggle = e.target.closest("[data-menu-toggle]");
    if (toggle) { setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true"); }
    var dismiss = e.target.closest(".flash .dismiss");
    if (dismiss) { dismiss.closest(".flash").remove(); }
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]")) { e.target.form.requestSubmit(); }
  });
  function setMenu(toggle, open) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", String(open));
    if (nav) { nav.classList.toggle("open", open); }
  }
  document.addEventListener("keydown", function (e) {
    var toggle = document.querySelector("[data-menu-toggle][aria-expanded=true]");
    if (e.key === "Escape" && toggle) { setMenu(toggle, false); toggle.focus(); }
  });

  // --- flash messages can be closed ------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".flashes .flash").forEach(function (flash) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dismiss";
      button.setAttribute("aria-label", text("close"));
      button.textContent = "×";
      var body = document.createElement("span");
      while (flash.firstChild) { body.appendChild(flash.firstChild); }
      flash.appendChild(body);
      flash.appendChild(button);
    });
  });

  // --- a table wider than its card scrolls there, and takes keyboard focus to be scrolled -----
  function scrollers() {
    document.querySelectorAll(".table-wrap, .wide").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else {
        box.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", scrollers);
  // Tables that become cards on phones: each cell carries its column's name.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.cards").forEach(function (table) {
      var head = table.querySelector("tr");
      if (!head || !head.querySelector("th")) { return; }
      var names = Array.prototype.map.call(head.children, function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tr").forEach(function (row) {
        if (row === head) { return; }
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (cell.tagName === "TD" && cell.colSpan === 1 && names[i] && names[i] !== "#") {
            cell.setAttribute("data-label", names[i]);
          }
        });
      });
    });
  });
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(scrollers, 150);
  });

  // --- the confirmation dialog -------------------------------------------------------------------
  var dialog = null;
  function confirmDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-text");
    var form = document.createElement("form");
    form.method = "dialog";
    var title = document.createElement("h2");
    title.id = "confirm-title";
    var message = document.createElement("p");
    message.id = "confirm-text";
    var quote = document.createElement("blockquote");
    var actions = document.createElement("div");
    actions.className = "dialog-actions";
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "secondary";
    var ok = document.createElement("button");
    ok.value = "ok";
    ok.className = "primary";
    actions.appendChild(cancel);
    actions.appendChild(ok);
    [title, message, quote, actions].forEach(function (el) { form.appendChild(el); });
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    return dialog;
  }

  function ask(source, form, proceed) {
    var d = confirmDialog();
    var quoted = source.getAttribute("data-confirm-quote");
    var field = quoted && form.elements[quoted];
    d.querySelector("h2").textContent = source.getAttribute("data-confirm-title") || text("confirm-title");
    d.querySelector("p").textContent = source.getAttribute("data-confirm");
    var quote = d.querySelector("blockquote");
    quote.textContent = field ? field.value : "";
    quote.hidden = !(field && field.value);
    d.querySelector("button[value=ok]").textContent = source.getAttribute("data-confirm-ok") || text("confirm-ok");
    d.querySelector("button[value=cancel]").textContent = text("cancel");
    d.classList.toggle("danger", source.hasAttribute("data-confirm-danger"));
    d.returnValue = "";
    d.addEventListener("close", function done() {
      d.removeEventListener("close", done);
      if (d.returnValue === "ok") { proceed(); }
    });
    d.showModal();
    d.querySelector("button[value=cancel]").focus();   // Enter alone never confirms
  }

  // --- submitting: confirm first where asked, then show progress and ignore a second submit ----
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.method === "dialog") { return; }
    var submitter = e.submitter || null;
    if (form.dataset.submitting) { e.preventDefault(); return; }
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter
      : form.hasAttribute("data-confirm") ? form : null;
    if (source && !form.dataset.confirmed) {
      e.preventDefault();
      ask(source, form, function () {
        form.dataset.confirmed = "1";
        if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
      });
      return;
    }
    delete form.dataset.confirmed;
    if (e.defaultPrevented) { return; }
    form.dataset.submitting = "1";
    form._busyTimer = setTimeout(function () {
      form.setAttribute("aria-busy", "true");
      form._disabled = Array.prototype.filter.call(
        form.querySelectorAll("button:not([type=button]), input[type=submit]"),
        function (b) { return !b.disabled; });
      form._disabled.forEach(function (b) { b.disabled = true; });
      if (submitter) { submitter.classList.add("busy"); }
    }, 300);
  });
  // Back from the next page (the browser's cache keeps the page as it was): usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      clearTimeout(form._busyTimer);
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
      (form._disabled || []).forEach(function (b) { b.disabled = false; b.classList.remove("busy"); });
      form._disabled = null;
    });
  });

  // --- validation messages in the page's language ------------------------------------------------
  function message(el) {
    var v = el.validity;
    if (v.valueMissing) {
      return text(el.tagName === "SELECT" || el.type === "radio" ? "choose"
        : el.type === "checkbox" ? "check" : "value-missing");
    }
    if (v.typeMismatch) { return text(el.type === "email" ? "email" : "type-mismatch"); }
    if (v.badInput) { return text("bad-input"); }
    if (v.tooLong) { return text("too-long", {max: el.maxLength}); }
    if (v.tooShort) { return text("too-short", {min: el.minLength}); }
    if (v.rangeUnderflow) { return text("range-under", {min: el.min}); }
    if (v.rangeOverflow) { return text("range-over", {max: el.max}); }
    if (v.stepMismatch) { return text("step"); }
    if (v.patternMismatch) { return el.title || text("pattern"); }
    return "";
  }
  document.addEventListener("invalid", function (e) {
    var el = e.target;
    el.setCustomValidity("");
    if (!el.validity.valid) { el.setCustomValidity(message(el)); }
  }, true);
  function clear(e) {
    var el = e.target;
    if (!el.setCustomValidity) { return; }
    var group = el.type === "radio" && el.form ? el.form.querySelectorAll("input[type=radio]") : [el];
    Array.prototype.forEach.call(group, function (x) {
      if (x === el || x.name === el.name) { x.setCustomValidity(""); }
    });
  }
  document.addEventListener("input", clear);
  document.addEventListener("change", clear);
})();
