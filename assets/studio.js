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
