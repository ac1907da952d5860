// Copy buttons for the words to say (.kb-say blocks written by kbbuild/pages.py). Local, no dependencies.
(function () {
  "use strict";

  function fallbackCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy refused")); }
      } catch (err) {
        reject(err);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function addButtons() {
    document.querySelectorAll("[data-kb-copy]").forEach(function (block) {
      var source = block.querySelector(".kb-say-text");
      if (!source || block.querySelector(".kb-copy")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kb-copy";
      button.textContent = "复制";
      button.title = "复制这段话";
      button.addEventListener("click", function () {
        copyText(source.textContent.trim()).then(function () {
          button.textContent = "已复制";
        }, function () {
          button.textContent = "复制失败";
        }).then(function () {
          setTimeout(function () { button.textContent = "复制"; }, 1500);
        });
      });
      block.appendChild(button);
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(addButtons);  // Material: also runs after instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addButtons);
  } else {
    addButtons();
  }
})();
