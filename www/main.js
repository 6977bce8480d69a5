// The page's entry point (a file, not an inline script, so the Content-Security-Policy
// needs no 'unsafe-inline'): loads the wasm app and mounts it into #app, configured by the
// page address. A lesson (`?lesson=`) loads the build with the lesson player
// (kafkascope_web); any other page the smaller build without it (kafkascope_play), which
// reloads the page with `?lesson=` when a lesson is chosen.
const withLessons = new URLSearchParams(window.location.search).has('lesson');

// Shows what went wrong, unless the Rust panic hook already explained it.
function showError(text) {
  const banner = document.getElementById('error-banner');
  if (!banner.hidden) return;
  banner.textContent = 'Kafkascope could not run: ' + text;
  banner.hidden = false;
}
window.addEventListener('error', (e) => showError(e.message || String(e.error)));
window.addEventListener('unhandledrejection', (e) => showError(String(e.reason)));

try {
  const { default: init, mount } = await import(withLessons ? './pkg/kafkascope_web.js' : './pkg/kafkascope_play.js');
  await init();
  mount('app');
} catch (e) {
  showError(e && e.message ? e.message : String(e));
}
