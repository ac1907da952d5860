// Material's search box reads the query on keyup; text pasted with the mouse, dropped, or committed by
// some input methods arrives as an `input` event with no key going up, and the search never ran.
// Pass every such input on as a keyup (Material's code is not ours to change). Local, no dependencies.
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.matches("input.md-search__input")) {
      box.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }
  });
})();
