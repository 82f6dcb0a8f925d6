/**
 * Every window the shell can create, checked from the source: each `new BrowserWindow`,
 * `BrowserView` or `WebContentsView` in main/electron/ must pass its options as an object literal
 * (so they can be checked at all) with the locked-down webPreferences below. Electronegativity runs
 * in CI too, but in one trial it missed `nodeIntegration: true`; this test does not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REQUIRED: Record<string, boolean> = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
};
/** Options that must not appear at all. */
const FORBIDDEN = ['enableBlinkFeatures', 'enableRemoteModule', 'nativeWindowOpen', 'plugins', 'additionalArguments'];
const WINDOW_CLASSES = new Set(['BrowserWindow', 'BrowserView', 'WebContentsView']);

interface Finding {
  file: string;
  line: number;
  problem: string;
}

/** The problems with every window construction in `source` (a file's text). */
function checkWindowOptions(file: string, source: string): { windows: number; findings: Finding[] } {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  let windows = 0;
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const prop = (obj: ts.ObjectLiteralExpression, name: string) =>
    obj.properties.find((p): p is ts.PropertyAssignment | ts.ShorthandPropertyAssignment => (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && p.name.getText(sf) === name);
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && WINDOW_CLASSES.has(node.expression.getText(sf).split('.').pop()!)) {
      windows++;
      const report = (problem: string) => findings.push({ file, line: lineOf(node), problem });
      const options = node.arguments?.[0];
      if (!options || !ts.isObjectLiteralExpression(options)) {
        report('options are not an object literal (they cannot be checked)');
      } else if (options.properties.some((p) => ts.isSpreadAssignment(p))) {
        report('options use a spread (they cannot be checked)');
      } else {
        const wp = prop(options, 'webPreferences');
        if (!wp || !ts.isPropertyAssignment(wp) || !ts.isObjectLiteralExpression(wp.initializer)) {
          report('no webPreferences object literal');
        } else {
          const prefs = wp.initializer;
          if (prefs.properties.some((p) => ts.isSpreadAssignment(p))) report('webPreferences use a spread');
          for (const [name, value] of Object.entries(REQUIRED)) {
            const p = prop(prefs, name);
            const text = p && ts.isPropertyAssignment(p) ? p.initializer.getText(sf) : undefined;
            if (text !== String(value)) report(`webPreferences.${name} must be ${value}${text === undefined ? ' (missing)' : ` (is ${text})`}`);
          }
          for (const name of FORBIDDEN) if (prop(prefs, name)) report(`webPreferences.${name} must not be set`);
          const blink = prop(prefs, 'disableBlinkFeatures');
          if (!blink || !ts.isPropertyAssignment(blink) || !/Auxclick/.test(blink.initializer.getText(sf))) report('webPreferences.disableBlinkFeatures must include Auxclick');
          const preload = prop(prefs, 'preload');
          if (preload && (!ts.isPropertyAssignment(preload) || preload.initializer.getText(sf) !== 'preloadPath')) report('webPreferences.preload must be our preload (preloadPath)');
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { windows, findings };
}

const DIR = import.meta.dirname;
const sources = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(DIR, f), 'utf8') }));

describe('BrowserWindow options', () => {
  it('every window main/electron creates is locked down', () => {
    let windows = 0;
    const findings: Finding[] = [];
    for (const { file, text } of sources) {
      const r = checkWindowOptions(file, text);
      windows += r.windows;
      findings.push(...r.findings);
    }
    expect(windows).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });

  it('catches what Electronegativity once missed, and options it cannot see', () => {
    const index = sources.find((s) => s.file === 'index.ts')!.text;
    const flip = (from: string, to: string) => {
      expect(index).toContain(from);
      return checkWindowOptions('index.ts', index.replace(from, to)).findings.map((f) => f.problem);
    };
    expect(flip('nodeIntegration: false,', 'nodeIntegration: true,')).toEqual(['webPreferences.nodeIntegration must be false (is true)']);
    expect(flip('sandbox: true,', '')).toEqual(['webPreferences.sandbox must be true (missing)']);
    expect(flip('contextIsolation: true,', 'contextIsolation: !app.isPackaged,')).toEqual(['webPreferences.contextIsolation must be true (is !app.isPackaged)']);
    expect(flip("disableBlinkFeatures: 'Auxclick',", '')).toEqual(['webPreferences.disableBlinkFeatures must include Auxclick']);
    expect(flip('webviewTag: false,', 'webviewTag: false, enableBlinkFeatures: "X",')).toEqual(['webPreferences.enableBlinkFeatures must not be set']);
    expect(checkWindowOptions('x.ts', 'const o = { webPreferences: {} }; new BrowserWindow(o);').findings.map((f) => f.problem)).toEqual(['options are not an object literal (they cannot be checked)']);
    expect(checkWindowOptions('x.ts', 'new electron.BrowserView({ ...defaults });').findings.map((f) => f.problem)).toEqual(['options use a spread (they cannot be checked)']);
    expect(checkWindowOptions('x.ts', 'new WebContentsView({ webPreferences: { ...p } });').findings.length).toBeGreaterThan(1);
  });
});
