// Rapport's few behaviours: keyboard shortcuts, confirmations, menus. No inline handlers
// (the Content-Security-Policy forbids them), so everything hangs off data attributes.
(function () {
  "use strict";

  // "/" focuses the global search box unless the user is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var el = document.activeElement;
    var typing = el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    var search = document.getElementById("global-search");
    if (!typing && search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Forms marked data-confirm ask before they submit (deletes, removals).
  var HTMX_VERBS = ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"];
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    // An htmx form asks in htmx:confirm below, once; asking here too asked twice.
    if (!question || HTMX_VERBS.some(function (v) { return form.hasAttribute(v); })) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // htmx requests from such forms ask here.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-confirm]");
    if (!form) return;
    event.preventDefault();
    if (window.confirm(form.getAttribute("data-confirm"))) event.detail.issueRequest(true);
  });

  // Escape and clicks outside close open menus (<details class="menu-host">).
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  // Selects marked data-autosubmit submit their form on change (role pickers).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.requestSubmit();
  });
})();

/* customer lists */
// Row checkboxes in a bulk form: select all, shift-click a range, show how many are chosen.
(function () {
  "use strict";
  var last = null;

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]'));
  }

  function refresh(form) {
    var all = boxes(form);
    var n = all.filter(function (b) { return b.checked; }).length;
    var head = form.querySelector("[data-select-all]");
    if (head) {
      head.checked = n > 0 && n === all.length;
      head.indeterminate = n > 0 && n < all.length;
    }
    var label = form.querySelector("[data-bulk-count]");
    if (label) {
      label.textContent = n ? label.getAttribute("data-some").replace("%(n)s", n) : label.getAttribute("data-none");
    }
    var bar = form.querySelector(".bulk-bar");
    if (bar) bar.toggleAttribute("data-selected", n > 0);
  }

  document.querySelectorAll("form[data-bulk]").forEach(function (form) {
    var head = form.querySelector("[data-select-all]");
    if (head) head.hidden = false;
    refresh(form);
  });

  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('form[data-bulk] input[type="checkbox"]')) return;
    var form = box.form;
    if (box.hasAttribute("data-select-all")) {
      boxes(form).forEach(function (b) { b.checked = box.checked; });
    } else if (event.shiftKey && last && last !== box && last.form === form) {
      var all = boxes(form);
      var a = all.indexOf(last), b = all.indexOf(box);
      all.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (b2) { b2.checked = box.checked; });
    }
    if (!box.hasAttribute("data-select-all")) last = box;
    refresh(form);
  });
})();

/* duplicates and merge */
(function () {
  // Choosing another record to keep moves the highlight to its column and, in rows the
  // user has not touched, picks that record's value when it has one.
  var form = document.querySelector("form[data-merge]");
  if (!form) return;
  var touched = {};
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name && input.name.indexOf("f_") === 0) { touched[input.name] = true; return; }
    if (input.name !== "survivor") return;
    var keep = input.value;
    form.querySelectorAll("[data-record]").forEach(function (cell) {
      cell.classList.toggle("is-survivor", cell.getAttribute("data-record") === keep);
    });
    form.querySelectorAll("tr.merge-differs").forEach(function (row) {
      var radios = row.querySelectorAll("input[type=radio]");
      if (!radios.length || touched[radios[0].name]) return;
      var pick = null;
      radios.forEach(function (r) { if (r.value === keep && !r.hasAttribute("data-empty")) pick = r; });
      if (!pick) radios.forEach(function (r) { if (!pick && !r.hasAttribute("data-empty")) pick = r; });
      if (pick) pick.checked = true;
    });
  });
})();

/* search */
// The top bar's search box is a combobox: htmx fetches the suggestions as the user types;
// here the arrow keys move through them, Enter opens the chosen one (or, with none chosen,
// submits to the full results page), Escape and a click elsewhere close the list.
(function () {
  "use strict";
  var input = document.getElementById("global-search");
  if (!input) return;
  var form = input.form;

  function list() { return document.getElementById("search-suggestions"); }
  function options() {
    var l = list();
    return l ? Array.prototype.slice.call(l.querySelectorAll('[role="option"]')) : [];
  }
  function current() {
    var id = input.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  }
  function choose(option) {
    options().forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function open(yes) {
    var l = list();
    var show = yes && l && l.children.length > 0;
    if (l) l.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) choose(null);
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var l = list();
    var request = event.detail.requestConfig;
    if (!l || !request || request.elt !== input) return;
    choose(null);
    open(document.activeElement === input && input.value.trim() !== "");
    var status = document.getElementById("search-status");
    if (status) status.textContent = l.getAttribute("data-status") || "";
  });

  input.addEventListener("keydown", function (event) {
    var all = options();
    var at = all.indexOf(current());
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      open(true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      choose(all[(at + step + all.length + (at < 0 && step < 0 ? 1 : 0)) % all.length]);
    } else if (event.key === "Enter") {
      var chosen = current();
      if (chosen && !list().hidden) {
        event.preventDefault();
        window.location.assign(chosen.getAttribute("data-href"));
      }
    } else if (event.key === "Escape") {
      if (list() && !list().hidden) {
        event.preventDefault();
        event.stopPropagation();
        open(false);
      } else if (input.value) {
        input.value = "";
      } else {
        input.blur();
      }
    }
  });

  input.addEventListener("focus", function () {
    if (input.value.trim() && options().length) open(true);
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) open(false);
  });
  // A pointer over an option selects it, so Enter and the highlight agree.
  form.addEventListener("mousemove", function (event) {
    var option = event.target.closest && event.target.closest('[role="option"]');
    if (option && option !== current()) choose(option);
  });
})();
