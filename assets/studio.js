// Browser-side helpers of Email Image Studio (loaded on every page).
window.emailImageStudio = {
  // Fetch a stored image and put its base64 (exactly the downloaded bytes) on the clipboard.
  // Resolves to the number of bytes copied, so the page can confirm it.
  async copyBase64(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Could not read ${url}: HTTP ${response.status}`);
    const blob = await response.blob();
    const dataUrl = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
    const base64 = String(dataUrl).slice(String(dataUrl).indexOf(",") + 1);
    await navigator.clipboard.writeText(base64);
    return blob.size;
  },
};

// Ctrl+Enter (Cmd+Enter on a Mac) in a field marked data-run-button="<button id>" clicks that
// button: Generate on `/`, Edit Image on `/edit`. The field is a debounced Reflex input that hands
// its last keystrokes to the page's state on Enter (before this listener, which sits on the
// document), so the button may only become enabled a moment later: wait for it, briefly.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
  const field = event.target instanceof Element ? event.target.closest("[data-run-button]") : null;
  if (!field) return;
  event.preventDefault();
  const button = document.getElementById(field.dataset.runButton);
  if (!button) return;
  const giveUpAt = performance.now() + 1500;
  const clickWhenEnabled = () => {
    if (!button.isConnected) return;
    if (!button.disabled) button.click();
    else if (performance.now() < giveUpAt) setTimeout(clickWhenEnabled, 50);
  };
  clickWhenEnabled();
});

// An iframe marked data-fit-content (the campaign's email preview) takes its document's height, so
// the whole email shows without a scrollbar of its own; and again whenever that height changes
// (the frame narrows on a phone and the email reflows, an image arrives late). Same origin only.
function fitFrameToContent(frame) {
  const doc = frame.contentDocument;
  if (!doc || !doc.body) return;
  const body = doc.defaultView.getComputedStyle(doc.body);
  const content = doc.body.getBoundingClientRect().height + parseFloat(body.marginTop) + parseFloat(body.marginBottom);
  const own = getComputedStyle(frame);
  const edges = own.boxSizing === "border-box"
    ? parseFloat(own.borderTopWidth) + parseFloat(own.borderBottomWidth) + parseFloat(own.paddingTop) + parseFloat(own.paddingBottom)
    : 0;
  if (content > 0) frame.style.height = `${Math.ceil(content + edges)}px`;
}

document.addEventListener("load", (event) => {
  const frame = event.target;
  if (!(frame instanceof HTMLIFrameElement) || !frame.hasAttribute("data-fit-content")) return;
  fitFrameToContent(frame);
  const doc = frame.contentDocument;
  if (doc && doc.body && doc.defaultView.ResizeObserver) {
    new doc.defaultView.ResizeObserver(() => fitFrameToContent(frame)).observe(doc.body);
  }
}, true); // load does not bubble: listen while it goes down to the frame
