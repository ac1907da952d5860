// 截止时间 on escalation and process pages: asks the server's /api/deadline (kbbuild/pages.py writes
// the .kb-deadline forms). The offline copy has no server: it says so. Local, no dependencies.
(function () {
  "use strict";
  var WEEKDAYS = "日一二三四五六";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localNow() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes());
  }

  function line(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div;
  }

  function show(out, nodes) {
    while (out.firstChild) { out.removeChild(out.firstChild); }
    nodes.forEach(function (n) { out.appendChild(n); });
  }

  function describe(d) {
    var day = new Date(d.due.slice(0, 10) + "T00:00:00");
    var when = d.due.slice(5, 7) + "月" + d.due.slice(8, 10) + "日（周" + WEEKDAYS[day.getDay()] + "）" + d.due.slice(11, 16);
    return "截止 " + when + "　" + (d.condition ? d.condition + "：" : "") + d.label + "（" + d.limit + "）";
  }

  function compute(form) {
    var out = form.querySelector(".kb-deadline-out");
    var start = form.querySelector(".kb-deadline-start").value;
    if (!start) { show(out, [line("先填开始时间")]); return; }
    var params = new URLSearchParams({entry: form.getAttribute("data-entry"), start: start});
    var cond = form.querySelector(".kb-deadline-cond");
    if (cond && cond.value) { params.set("condition", cond.value); }
    if (window.location.protocol === "file:") {
      show(out, [line("离线副本无法计算截止时间：请打开服务器上的站点，或用 kb deadline")]);
      return;
    }
    fetch("/api/deadline?" + params).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error || response.statusText); }
        return body;
      }, function () { throw new Error("服务器没有截止时间接口（纯静态站点）"); });
    }).then(function (body) {
      var rows = body.deadlines.filter(function (d) { return d.due; }).map(function (d) { return line(describe(d)); });
      if (body.note) { rows.push(line(body.note)); }
      show(out, rows.length ? rows : [line("没有可计算的截止时限")]);
    }).catch(function (err) {
      show(out, [line("无法计算截止时间：" + err.message)]);
    });
  }

  function setUp() {
    document.querySelectorAll(".kb-deadline").forEach(function (form) {
      var start = form.querySelector(".kb-deadline-start");
      if (!start.value) { start.value = localNow(); }
      var go = form.querySelector(".kb-deadline-go");
      if (go.dataset.ready) { return; }
      go.dataset.ready = "1";
      go.addEventListener("click", function () { compute(form); });
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
