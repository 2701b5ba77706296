/* Animator console: the clock, the shared refresh, and entries that survive a lost connection.
 *
 * - The clock counts from the server's elapsed time (pauses excluded) while the exercise runs.
 * - Every 5 s the live part is reloaded through htmx, unless the user is typing inside it (a skip reason).
 * - Journal entries and observations get a client key (UUID) and are queued in localStorage before being sent;
 *   the server stores a key once, so resending after a network error never duplicates an entry. The queue is
 *   retried every 5 s and after a reload of the page.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var pendingLabel = script ? script.dataset.pendingLabel : "";
  var sentLabel = script ? script.dataset.sentLabel : "";
  var clock = document.getElementById("console-clock");
  var elapsed = 0;
  var running = false;

  function fmt(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return "H+" + h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }
  function syncClock() {
    var live = document.getElementById("console-live");
    if (!live) { return; }
    elapsed = parseInt(live.dataset.elapsed || "0", 10);
    running = live.dataset.running === "1";
    if (clock) { clock.textContent = fmt(elapsed); }
  }
  syncClock();
  setInterval(function () {
    if (running) { elapsed += 1; if (clock) { clock.textContent = fmt(elapsed); } }
  }, 1000);
  document.body.addEventListener("htmx:afterSwap", syncClock);

  function refresh() {
    var live = document.getElementById("console-live");
    if (!live || !window.htmx) { return; }
    if (live.contains(document.activeElement) && document.activeElement.tagName === "INPUT") { return; }
    window.htmx.ajax("GET", live.dataset.refreshUrl, { target: "#console-live", swap: "outerHTML" });
  }
  setInterval(refresh, 5000);

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (window.crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function storeKey(form) { return "crrc-exercise-queue:" + form.action; }
  function load(form) {
    try { return JSON.parse(window.localStorage.getItem(storeKey(form)) || "[]"); } catch (e) { return []; }
  }
  function save(form, queue) {
    try { window.localStorage.setItem(storeKey(form), JSON.stringify(queue)); } catch (e) { /* private mode */ }
  }
  function status(form, text) {
    var el = form.querySelector(".js-queue-status");
    if (el) { el.textContent = text; }
  }
  function flush(form) {
    var queue = load(form);
    if (!queue.length) { return Promise.resolve(); }
    var item = queue[0];
    var body = new URLSearchParams(item);
    body.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      if (response.ok || response.status === 422 || response.status === 403) {
        // Stored (or refused for good, e.g. empty): drop it from the queue.
        queue.shift(); save(form, queue);
        if (response.status === 422) { return response.text().then(function (t) { status(form, t); }); }
        status(form, queue.length ? queue.length + " " + pendingLabel : sentLabel);
        refresh();
        return flush(form);
      }
      status(form, queue.length + " " + pendingLabel);
    }).catch(function () { status(form, queue.length + " " + pendingLabel); });
  }
  document.querySelectorAll("form.js-queued").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (value, key) {
        if (key !== "csrfmiddlewaretoken") { data[key] = value; }
      });
      data.client_key = uuid();
      var queue = load(form); queue.push(data); save(form, queue);
      form.reset();
      flush(form);
    });
    flush(form);
    setInterval(function () { flush(form); }, 5000);
  });
})();
