// code-layering, in the style of VS Code's .eslint-plugin-local/code-layering.ts: a file may import
// from its own layer or a lower one, never from a higher one. The order is data, written once in
// eslint.config.js and passed in as options; this file only resolves relative imports to paths in
// the repository and compares layers.
//
// Options:
//   layers:     [{ name, folders: [glob] }], lowest first.
//   scope:      [glob]; a file here that sits in no layer is reported (a new folder needs a place).
//   onlyFrom:   [{ target: [glob], from: [glob], message }]; `target` may be imported only by `from`.
//   exceptions: [{ from: glob, to: [glob], why }]; known upward imports, each named exactly. One that
//               no longer occurs is reported, so the list only shrinks.
import path from 'node:path';

/** A glob over repository paths: ** spans folders, * and ? stay within one name. */
export function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const matcher = (globs) => {
  const res = globs.map(globToRegExp);
  return (paths) => paths.some((p) => res.some((re) => re.test(p)));
};

/** The repository paths an import may name: `../store/journal` is journal.ts or journal/index.ts. */
function candidates(p) {
  return [p, `${p}.ts`, `${p}.tsx`, `${p}/index.ts`, p.replace(/\.js$/, '.ts')];
}

const toPosix = (p) => p.split(path.sep).join('/');

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layer order, never up' },
    schema: [
      {
        type: 'object',
        properties: {
          layers: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, folders: { type: 'array', items: { type: 'string' } } },
              required: ['name', 'folders'],
              additionalProperties: false,
            },
          },
          scope: { type: 'array', items: { type: 'string' } },
          onlyFrom: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                target: { type: 'array', items: { type: 'string' } },
                from: { type: 'array', items: { type: 'string' } },
                message: { type: 'string' },
              },
              required: ['target', 'from', 'message'],
              additionalProperties: false,
            },
          },
          exceptions: {
            type: 'array',
            items: {
              type: 'object',
              properties: { from: { type: 'string' }, to: { type: 'array', items: { type: 'string' } }, why: { type: 'string' } },
              required: ['from', 'to', 'why'],
              additionalProperties: false,
            },
          },
        },
        required: ['layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward: "'{{spec}}' is in layer '{{to}}', above this file's layer '{{from}}': imports point down only (layer order in eslint.config.js)",
      notImportable: "'{{spec}}': {{message}}",
      noLayer: "{{file}} sits in no layer: give its folder a place in the layer order in eslint.config.js",
      staleException: "the layering exception for '{{to}}' no longer occurs in this file: delete it from eslint.config.js",
    },
  },

  create(context) {
    const options = context.options[0] ?? {};
    const layers = options.layers.map((l) => ({ name: l.name, has: matcher(l.folders) }));
    const layerOf = (paths) => layers.findIndex((l) => l.has(paths));
    const root = context.cwd;
    const file = toPosix(path.relative(root, context.filename));
    const own = layerOf([file]);
    const onlyFrom = (options.onlyFrom ?? [])
      .map((r) => ({ target: matcher(r.target), from: matcher(r.from), message: r.message }))
      .filter((r) => !r.from([file]));
    const exceptions = (options.exceptions ?? [])
      .filter((e) => matcher([e.from])([file]))
      .flatMap((e) => e.to.map((to) => ({ to, has: matcher([to]), used: false })));

    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return; // packages: the runtime blocks
      const target = candidates(toPosix(path.relative(root, path.resolve(path.dirname(context.filename), spec))));
      for (const r of onlyFrom) if (r.target(target)) context.report({ node, messageId: 'notImportable', data: { spec, message: r.message } });
      if (own < 0) return;
      const theirs = layerOf(target);
      if (theirs <= own) return;
      const allowed = exceptions.find((e) => e.has(target));
      if (allowed) {
        allowed.used = true;
        return;
      }
      context.report({ node, messageId: 'upward', data: { spec, to: layers[theirs].name, from: layers[own].name } });
    }

    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      Program(node) {
        if (own < 0 && matcher(options.scope ?? [])([file])) context.report({ node, loc: { line: 1, column: 0 }, messageId: 'noLayer', data: { file } });
      },
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      TSImportType(node) {
        const lit = node.argument?.literal ?? node.argument;
        if (lit?.type === 'Literal') check(node, lit.value);
      },
      'Program:exit'(node) {
        for (const e of exceptions) if (!e.used) context.report({ node, loc: { line: 1, column: 0 }, messageId: 'staleException', data: { to: e.to } });
      },
    };
  },
};
