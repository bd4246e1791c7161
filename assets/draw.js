/* Draw page helpers for dash-canvas and dcc.Upload (see dashboard/pages/draw.py).
 *
 * 1. dash-canvas posts its strokes only when its Save button is clicked: click it (hidden by
 *    draw.css) right after every stroke, once fabric.js has added the stroke to the sketch.
 * 2. dcc.Upload silently ignores a file over its max_size: say so in the page's message line.
 */
(function () {
  "use strict";
  var CANVAS = ".draw-canvas canvas.upper-canvas";
  var drawingIn = null;  // the canvas wrapper a stroke started in

  function startStroke(event) {
    var target = event.target;
    if (target instanceof Element && target.matches(CANVAS)) {
      drawingIn = target.closest(".draw-canvas");
    }
  }

  function endStroke() {
    if (drawingIn === null) {
      return;
    }
    var wrapper = drawingIn;
    drawingIn = null;
    // fabric.js finishes the stroke in its own mouseup handler: save after it has run.
    setTimeout(function () {
      var save = wrapper.querySelector('button[title="Save"]');
      if (save) {
        save.click();
      }
    }, 0);
  }

  function checkUploadSize(event) {
    var target = event.target;
    var box = target instanceof Element ? target.closest(".draw-upload") : null;
    if (box === null) {
      return;
    }
    var files = (event.dataTransfer && event.dataTransfer.files) || target.files || [];
    var limit = Number(box.dataset.maxBytes);
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > limit && window.dash_clientside && window.dash_clientside.set_props) {
        var size = (files[i].size / 1048576).toFixed(1);
        var most = (limit / 1048576).toFixed(1);
        window.dash_clientside.set_props(box.dataset.messageId, {
          children: "The file " + files[i].name + " is too large (" + size + " MB); the limit is " + most + " MB."
        });
      }
    }
  }

  document.addEventListener("mousedown", startStroke, true);
  document.addEventListener("touchstart", startStroke, true);
  document.addEventListener("mouseup", endStroke, true);
  document.addEventListener("touchend", endStroke, true);
  document.addEventListener("drop", checkUploadSize, true);
  document.addEventListener("change", checkUploadSize, true);
})();
