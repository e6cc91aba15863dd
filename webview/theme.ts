// Mermaid colours follow the VS Code theme: light, dark, high contrast (dark and
// light). VS Code puts the theme kind on <body data-vscode-theme-kind> and exposes
// its colours as --vscode-* CSS variables; a theme switch changes both in place.

export type ThemeKind = 'light' | 'dark' | 'hc-dark' | 'hc-light';

/** Reads the kind from data-vscode-theme-kind (both HC classes are set in HC Light, so classes are ambiguous). */
export function themeKind(body: HTMLElement = document.body): ThemeKind {
  switch (body.dataset.vscodeThemeKind) {
    case 'vscode-dark':
      return 'dark';
    case 'vscode-high-contrast':
      return 'hc-dark';
    case 'vscode-high-contrast-light':
      return 'hc-light';
    default:
      return body.classList.contains('vscode-dark') ? 'dark' : 'light';
  }
}

export interface MermaidTheme {
  theme: 'base' | 'default' | 'dark';
  themeVariables: Record<string, string | boolean>;
  /** Used as the cache key: re-render only when this changes. */
  key: string;
}

/** Mermaid's own theme as the fallback when VS Code's variables are missing (e.g. outside VS Code). */
export function mermaidTheme(body: HTMLElement = document.body): MermaidTheme {
  const kind = themeKind(body);
  const css = getComputedStyle(body);
  const cssVar = (name: string): string => css.getPropertyValue(name).trim();
  const bg = cssVar('--vscode-editor-background');
  const fg = cssVar('--vscode-editor-foreground') || cssVar('--vscode-foreground');
  const dark = kind === 'dark' || kind === 'hc-dark';
  if (!bg || !fg) return { theme: dark ? 'dark' : 'default', themeVariables: {}, key: `${kind}|fallback` };
  const hc = kind.startsWith('hc');
  const border =
    cssVar('--vscode-contrastBorder') ||
    cssVar('--vscode-editorWidget-border') ||
    cssVar('--vscode-widget-border') ||
    fg;
  const widget = cssVar('--vscode-editorWidget-background') || bg;
  const note = cssVar('--vscode-editorHoverWidget-background') || widget;
  const accent = cssVar('--vscode-textLink-foreground') || fg;
  const font = cssVar('--vscode-font-family') || 'sans-serif';
  const themeVariables: Record<string, string | boolean> = {
    darkMode: dark,
    background: bg,
    fontFamily: font,
    primaryColor: widget,
    primaryTextColor: fg,
    primaryBorderColor: hc ? border : accent,
    secondaryColor: note,
    tertiaryColor: bg,
    lineColor: fg,
    textColor: fg,
    actorBkg: widget,
    actorBorder: hc ? border : accent,
    actorTextColor: fg,
    actorLineColor: cssVar('--vscode-editorLineNumber-foreground') || fg,
    signalColor: fg,
    signalTextColor: fg,
    labelBoxBkgColor: widget,
    labelBoxBorderColor: hc ? border : accent,
    labelTextColor: fg,
    loopTextColor: fg,
    noteBkgColor: note,
    noteTextColor: fg,
    noteBorderColor: hc ? border : cssVar('--vscode-editorHoverWidget-border') || border,
    activationBkgColor: widget,
    activationBorderColor: border,
    sequenceNumberColor: bg,
  };
  return { theme: 'base', themeVariables, key: `${kind}|${JSON.stringify(themeVariables)}` };
}

/**
 * Calls `onChange` when VS Code switches theme: it rewrites the body's class and
 * data-vscode-theme-kind, and the --vscode-* variables in <html style>.
 */
export function watchTheme(onChange: () => void, body: HTMLElement = document.body): MutationObserver {
  const observer = new MutationObserver(() => onChange());
  observer.observe(body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return observer;
}
