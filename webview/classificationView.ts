/**
 * The classification view's one script (loaded only when the result has class activation maps): the radio group
 * chooses which map lies over the crop (or none), the slider sets its opacity. Both are native form controls, so
 * they work from the keyboard (Tab, arrow keys) and with screen readers. No data is received: the maps are in the page.
 */
const heats = Array.from(document.querySelectorAll<HTMLImageElement>('img.heat'));
const slider = document.getElementById('cam-opacity') as HTMLInputElement | null;

function applyOpacity(): void {
  const value = Number(slider?.value ?? 50);
  for (const img of heats) img.style.opacity = String(value / 100);
  slider?.setAttribute('aria-valuetext', `${value}%`);
}

for (const radio of Array.from(document.querySelectorAll<HTMLInputElement>('input[name="cam"]'))) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    heats.forEach((img, i) => (img.hidden = radio.value !== String(i)));
  });
}
slider?.addEventListener('input', applyOpacity);
applyOpacity();
