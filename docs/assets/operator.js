// 适用单位 switcher: show one operator's norms plus the general ones (通用). The entries carry
// data-operators (kbbuild/pages.py); the choice is kept in localStorage. Local, no dependencies.
(function () {
  "use strict";
  var GENERAL = "通用";
  var KEY = "kb-operator";

  function config() { return window.KB_CONFIG || {operators: [], defaultOperator: null}; }

  function chosen() {
    var saved = null;
    try { saved = window.localStorage.getItem(KEY); } catch (err) { saved = null; }
    if (saved !== null && (saved === "" || config().operators.indexOf(saved) >= 0)) { return saved; }
    return config().defaultOperator || "";
  }

  function shows(node, profile) {
    var ops = (node.getAttribute("data-operators") || GENERAL).split(" ");
    return !profile || ops.indexOf(GENERAL) >= 0 || ops.indexOf(profile) >= 0;
  }

  // The entry a link pointed at (on load or a hash change) stays visible, marked. Not the live hash:
  // Material's navigation.tracking rewrites it while the page scrolls.
  var target = "";

  function linkedEntry() { return decodeURIComponent(window.location.hash.slice(1)); }

  function apply(profile) {
    document.querySelectorAll(".kb-entry[data-operators]").forEach(function (entry) {
      var heading = entry.previousElementSibling;
      var isTarget = heading && heading.id === target;
      var hide = !shows(entry, profile) && !isTarget;
      entry.hidden = hide;
      if (heading && /^H[1-6]$/.test(heading.tagName)) { heading.hidden = hide; }
      var note = entry.querySelector(".kb-other-operator");
      if (!shows(entry, profile) && isTarget && !note) {
        note = document.createElement("p");
        note.className = "kb-other-operator";
        note.textContent = "本条不属于当前单位（" + profile + "）的规范，仅供参考。";
        entry.insertBefore(note, entry.firstChild);
      } else if (note && (shows(entry, profile) || !isTarget)) {
        note.remove();
      }
    });
    document.querySelectorAll("li[data-operators]").forEach(function (item) {
      item.hidden = !shows(item, profile);
    });
  }

  function addSwitch() {
    var operators = config().operators;
    target = linkedEntry();
    var content = document.querySelector(".md-content__inner");
    if (!operators.length || !content || !document.querySelector("[data-operators]")) { return; }
    var old = content.querySelector(".kb-operator-switch");
    if (old) { old.remove(); }
    var bar = document.createElement("div");
    bar.className = "kb-operator-switch";
    var label = document.createElement("label");
    label.textContent = "适用单位 ";
    var select = document.createElement("select");
    [["", "全部单位"]].concat(operators.map(function (o) { return [o, o + "（含通用）"]; })).forEach(function (o) {
      var option = document.createElement("option");
      option.value = o[0];
      option.textContent = o[1];
      select.appendChild(option);
    });
    select.value = chosen();
    select.addEventListener("change", function () {
      try { window.localStorage.setItem(KEY, select.value); } catch (err) { /* private mode: this page only */ }
      apply(select.value);
    });
    label.appendChild(select);
    bar.appendChild(label);
    content.insertBefore(bar, content.firstChild);
    apply(select.value);
  }

  window.addEventListener("hashchange", function () { target = linkedEntry(); apply(chosen()); });
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(addSwitch);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addSwitch);
  } else {
    addSwitch();
  }
})();
