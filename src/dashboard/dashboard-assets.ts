import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Asset = { body: string; type: string };

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const resolved = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/** The front end's files: ours from assets/, and the libraries (Preact, htm, uPlot) from node_modules. */
function files(): Record<string, string> {
  const own = fileURLToPath(new URL('./assets/', import.meta.url));
  const uplot = dirname(resolved('uplot/dist/uPlot.min.css'));
  return {
    ...Object.fromEntries(readdirSync(own).map((name) => [name, join(own, name)])),
    'vendor/preact.mjs': resolved('preact'),
    'vendor/hooks.mjs': resolved('preact/hooks'),
    'vendor/htm.mjs': resolved('htm'),
    'vendor/uplot.mjs': join(uplot, 'uPlot.esm.js'),
    'vendor/uplot.css': join(uplot, 'uPlot.min.css'),
  };
}

const importMap = JSON.stringify({
  imports: {
    preact: '/ui/assets/vendor/preact.mjs',
    'preact/hooks': '/ui/assets/vendor/hooks.mjs',
    htm: '/ui/assets/vendor/htm.mjs',
    uplot: '/ui/assets/vendor/uplot.mjs',
  },
});

/** The page every /ui path answers with (the views are drawn by app.js), and its Content-Security-Policy. */
export type DashboardAssets = { page: string; csp: string; assets: Map<string, Asset> };

/** Reads every asset once, at start-up: no file is read per request, and nothing comes from a CDN. */
export function loadDashboardAssets(): DashboardAssets {
  const assets = new Map<string, Asset>();
  for (const [name, file] of Object.entries(files())) {
    const type = types[extname(file)];
    if (type) assets.set(name, { body: readFileSync(file, 'utf8'), type });
  }
  const hash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Pyramid</title>
<link rel="icon" href="/ui/assets/favicon.svg">
<link rel="stylesheet" href="/ui/assets/vendor/uplot.css">
<link rel="stylesheet" href="/ui/assets/style.css">
<script type="importmap">${importMap}</script>
<script type="module" src="/ui/assets/app.js"></script>
</head>
<body><div id="app"><p class="loading">Loading…</p></div></body>
</html>
`;
  return { page, csp, assets };
}
