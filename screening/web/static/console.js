/* The console's only script (no framework, no network but this server): job progress,
   finding navigation in a document, select-all in lists, confirmations. */
(function () {
  "use strict";

  // Live progress of a background job: <section data-job-url="/jobs/7.json">.
  function watchJob(box) {
    var url = box.getAttribute("data-job-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-job-text]");
    var current = box.querySelector("[data-job-current]");
    var status = box.querySelector("[data-job-status]");
    var message = box.querySelector("[data-job-message]");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (job) {
          if (bar) { bar.max = Math.max(job.total, 1); bar.value = job.done; }
          if (text) { text.textContent = job.done + " / " + job.total; }
          if (current) { current.textContent = job.current || ""; }
          if (status) { status.textContent = job.status; }
          if (message) { message.textContent = job.message || ""; }
          if (job.active) { window.setTimeout(tick, 1000); }
          else if (box.getAttribute("data-reload") !== "no") { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  // Findings highlighted in a document: <mark data-finding="3">, side panel <div class="finding" data-finding="3">.
  function findings() {
    var marks = Array.prototype.slice.call(document.querySelectorAll(".doc-text mark[data-finding]"));
    if (!marks.length) { return; }
    var order = [];
    marks.forEach(function (m) {
      var k = m.getAttribute("data-finding");
      if (order.indexOf(k) < 0) { order.push(k); }
    });
    var label = document.querySelector("[data-finding-label]");
    var at = 0;
    function show(i, scroll) {
      at = (i + order.length) % order.length;
      var key = order[at];
      document.querySelectorAll(".doc-text mark.current, .side .finding.current").forEach(function (e) {
        e.classList.remove("current");
      });
      var first = null;
      document.querySelectorAll('[data-finding="' + key + '"]').forEach(function (e) {
        e.classList.add("current");
        if (!first && e.tagName === "MARK") { first = e; }
      });
      if (label) { label.textContent = (at + 1) + " / " + order.length; }
      if (scroll && first) { first.scrollIntoView({ block: "center", behavior: "smooth" }); }
      if (history.replaceState) { history.replaceState(null, "", "#finding-" + key); }
    }
    marks.forEach(function (m) {
      m.addEventListener("click", function () { show(order.indexOf(m.getAttribute("data-finding")), false); });
    });
    document.querySelectorAll("[data-nav]").forEach(function (b) {
      b.addEventListener("click", function (ev) {
        ev.preventDefault();
        show(at + (b.getAttribute("data-nav") === "next" ? 1 : -1), true);
      });
    });
    var hash = (window.location.hash || "").replace("#finding-", "");
    show(Math.max(order.indexOf(hash), 0), hash !== "");
  }

  function checkAll() {
    document.querySelectorAll("input[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-check-all");
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
          c.checked = box.checked;
        });
      });
    });
  }

  function confirms() {
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      var form = el.tagName === "FORM" ? el : el.form;
      if (!form) { return; }
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-url]").forEach(watchJob);
    findings();
    checkAll();
    confirms();
  });
})();
