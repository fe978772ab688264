// The task board: drag a card to another column, or send its "Move to…" form from the
// keyboard. Both post to the card's move endpoint and swap in the columns the server sends
// back; a refusal (no right, a bad status) shows its message and the card goes back.
// Loaded on the board page only; no inline handlers (the CSP forbids them).
(function () {
  "use strict";
  var root = document.querySelector("[data-board-root]");
  if (!root) return;

  var message = document.getElementById("board-message");
  var status = document.getElementById("board-status");
  var dragged = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  function columnsEl() {
    return document.getElementById("board-columns");
  }

  function swapColumns(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.querySelector("#board-columns");
    if (!fresh) return null;
    columnsEl().replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    return fresh;
  }

  function updateCounts() {
    document.querySelectorAll(".board-column").forEach(function (col) {
      var count = col.querySelector("[data-count]");
      var zone = col.querySelector("[data-dropzone]");
      if (count && zone) count.textContent = zone.querySelectorAll(".board-card").length;
    });
  }

  // Post the move; `undo` puts the card back when the server refuses or is unreachable.
  function move(card, newStatus, options) {
    var form = card.querySelector("form[data-board-move]");
    if (!form) return;
    var data = new FormData(form);
    data.set("status", newStatus);
    card.classList.add("is-moving");
    say("");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    })
      .then(function (response) {
        return response.text().then(function (text) {
          return { ok: response.ok, text: text };
        });
      })
      .then(function (result) {
        if (!result.ok) throw new Error(result.text || root.getAttribute("data-error-text"));
        var fresh = swapColumns(result.text);
        if (!fresh) throw new Error(root.getAttribute("data-error-text"));
        var zone = fresh.querySelector('[data-dropzone][data-status="' + newStatus + '"]');
        var label = zone ? zone.getAttribute("data-label") : newStatus;
        announce(root.getAttribute("data-moved-text").replace("%(column)s", label));
        if (options.refocus) {
          var again = document.getElementById(card.id);
          var select = again && again.querySelector("select");
          if (select) select.focus();
        }
      })
      .catch(function (error) {
        card.classList.remove("is-moving");
        if (options.undo) options.undo();
        say(error.message.length < 300 ? error.message : root.getAttribute("data-error-text"));
        card.classList.add("is-refused");
        window.setTimeout(function () { card.classList.remove("is-refused"); }, 2000);
      });
  }

  // --- drag and drop ---------------------------------------------------------------------
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-task-id"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll("[data-dropzone].is-over").forEach(function (z) {
      z.classList.remove("is-over");
    });
  });

  function zoneOf(event) {
    return event.target.closest && event.target.closest("[data-dropzone]");
  }

  document.addEventListener("dragover", function (event) {
    var zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("is-over");
  });

  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-over");
  });

  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("is-over");
    var card = dragged;
    var target = zone.getAttribute("data-status");
    if (card.getAttribute("data-status") === target) return;
    var from = card.parentNode;
    var next = card.nextSibling;
    zone.insertBefore(card, zone.firstChild);
    updateCounts();
    move(card, target, {
      undo: function () {
        from.insertBefore(card, next);
        updateCounts();
      },
    });
  });

  // --- the keyboard alternative -------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-board-move]")) return;
    event.preventDefault();
    var card = form.closest(".board-card");
    var target = form.querySelector("select[name=status]").value;
    if (card.getAttribute("data-status") === target) return;
    move(card, target, { refocus: true });
  });
})();
