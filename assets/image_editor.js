// Browser-side parts of the editor page (/edit): the mask brush and the before/after slider.
// Both listen on `document` (event delegation), so they keep working when React re-renders or
// replaces the canvas and the slider; the page's state drives them through data- attributes.
(() => {
  // ----- Mask brush -------------------------------------------------------------------------
  // <canvas data-mask-painter data-brush="40" data-erase="false" width=W height=H> lies over the
  // image. Strokes are painted fully opaque (the canvas is shown half transparent by CSS), so on
  // export every painted pixel is unambiguous.
  const BRUSH_COLOUR = "#ff2d55";
  let stroke = null; // {canvas, context, pointerId, last: {x, y}}

  const painterUnder = (event) =>
    event.target instanceof Element ? event.target.closest("canvas[data-mask-painter]") : null;

  // Pointer position in canvas pixels, and how many canvas pixels one CSS pixel is.
  function canvasPoint(canvas, event) {
    const box = canvas.getBoundingClientRect();
    const scale = canvas.width / Math.max(box.width, 1);
    return { x: (event.clientX - box.left) * scale, y: (event.clientY - box.top) * scale, scale };
  }

  function brushRing(canvas) {
    return canvas.parentElement ? canvas.parentElement.querySelector("[data-mask-ring]") : null;
  }

  function showRing(canvas, event) {
    const ring = brushRing(canvas);
    if (!ring) return;
    const box = canvas.getBoundingClientRect();
    const size = Number(canvas.dataset.brush || 40);
    ring.style.display = "block";
    ring.style.width = ring.style.height = `${size}px`;
    ring.style.left = `${event.clientX - box.left - size / 2}px`;
    ring.style.top = `${event.clientY - box.top - size / 2}px`;
    ring.style.borderStyle = canvas.dataset.erase === "true" ? "dashed" : "solid";
  }

  function hideRings() {
    document.querySelectorAll("[data-mask-ring]").forEach((ring) => (ring.style.display = "none"));
  }

  function paintTo(point) {
    const { context, last } = stroke;
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(point.x, point.y);
    context.stroke();
    stroke.last = point;
  }

  document.addEventListener("pointerdown", (event) => {
    const canvas = painterUnder(event);
    if (!canvas || event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    const point = canvasPoint(canvas, event);
    const context = canvas.getContext("2d");
    context.globalCompositeOperation = canvas.dataset.erase === "true" ? "destination-out" : "source-over";
    context.strokeStyle = context.fillStyle = BRUSH_COLOUR;
    context.lineCap = context.lineJoin = "round";
    context.lineWidth = Number(canvas.dataset.brush || 40) * point.scale;
    context.beginPath();
    context.arc(point.x, point.y, context.lineWidth / 2, 0, Math.PI * 2);
    context.fill();
    stroke = { canvas, context, pointerId: event.pointerId, last: point };
  });

  document.addEventListener("pointermove", (event) => {
    if (stroke && event.pointerId === stroke.pointerId) {
      paintTo(canvasPoint(stroke.canvas, event));
      showRing(stroke.canvas, event);
      return;
    }
    const canvas = painterUnder(event);
    if (canvas) showRing(canvas, event);
    else hideRings();
  });

  const endStroke = (event) => {
    if (stroke && event.pointerId === stroke.pointerId) stroke = null;
  };
  document.addEventListener("pointerup", endStroke);
  document.addEventListener("pointercancel", endStroke);

  function isPainted(canvas) {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
    return false;
  }

  window.maskPainter = {
    clear(canvasId) {
      const canvas = document.getElementById(canvasId);
      if (canvas) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    },
    // A PNG data URL at the canvas's size, opaque black with the painted pixels transparent
    // (alpha 0 = change, the image APIs' mask convention); "" when there is no canvas shown or no
    // paint. At most 1024 px a side, it stays far below the websocket's 1 MB message limit.
    exportMask(canvasId) {
      const canvas = document.getElementById(canvasId);
      // A hidden canvas (another mask mode is chosen) is not the mask the marketer means.
      if (!canvas || !canvas.width || canvas.offsetParent === null || !isPainted(canvas)) return "";
      const mask = document.createElement("canvas");
      mask.width = canvas.width;
      mask.height = canvas.height;
      const context = mask.getContext("2d");
      context.fillStyle = "#000";
      context.fillRect(0, 0, mask.width, mask.height);
      context.globalCompositeOperation = "destination-out";
      context.drawImage(canvas, 0, 0);
      return mask.toDataURL("image/png");
    },
  };

  // ----- Before/after slider ----------------------------------------------------------------
  // <input type=range data-compare-slider> inside [data-compare]: moves the split at once,
  // in the browser, without a round trip per pixel dragged.
  document.addEventListener("input", (event) => {
    const slider = event.target;
    if (!(slider instanceof HTMLInputElement) || !slider.matches("[data-compare-slider]")) return;
    const frame = slider.closest("[data-compare]");
    if (frame) frame.style.setProperty("--split", `${slider.value}%`);
  });
})();
