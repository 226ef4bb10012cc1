// Light / dark theme: follows prefers-color-scheme until the user picks one with the toggle; the
// choice is kept in localStorage and applied as <html data-theme>.
export type Theme = 'light' | 'dark';
const KEY = 'palisade-console-theme';

function stored(): Theme | undefined {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function systemTheme(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  return stored() ?? systemTheme();
}

export function applyTheme(t: Theme | undefined): void {
  if (t) document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}

export function saveTheme(t: Theme): void {
  try {
    window.localStorage.setItem(KEY, t);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyTheme(t);
}

/** Called once before the first render so the page never flashes the wrong theme. */
export function initTheme(): void {
  applyTheme(stored());
}
