import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** A code example found in a doc or a TSDoc `@example`, with where it came from. */
export interface Example {
  where: string;
  code: string;
  /** For an `@example`: the module it documents, whose exports it may use unqualified. */
  module?: string;
}

const ROOT = resolve(import.meta.dirname, '../..');

/** Every ```ts block of a Markdown file. */
export function markdownExamples(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Example[] = [];
  const re = /```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${file}:${line}`, code: m[1] ?? '' });
  }
  return out;
}

/** Every ```ts block inside an `@example` tag of the .ts files under `dir`. */
export function tsdocExamples(dir: string): Example[] {
  const out: Example[] = [];
  for (const file of walk(join(ROOT, dir))) {
    const text = readFileSync(file, 'utf8');
    const re = /@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const line = text.slice(0, m.index).split('\n').length;
      const code = (m[1] ?? '').split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
      out.push({ where: `${relative(ROOT, file)}:${line}`, code, module: file });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  if (statSync(dir).isFile()) return dir.endsWith('.ts') ? [dir] : [];
  return readdirSync(dir).flatMap((name) => walk(join(dir, name)));
}

const IMPORT_LINE = /^import\s[\s\S]*?from\s+'([^']+)';?\s*$/gm;

/**
 * Type-checks every example against the real sources, in one program. An example is wrapped in
 * an async function (top-level `await` works); its imports of `statevisor` and
 * `statevisor/testing` resolve to `src/`; it may use, unqualified, every export of `src/index.ts`
 * and of the module it documents. Free names it does not define (`worker`, `account`, `log`…)
 * are declared `any` after a first pass, so what is checked is every call, property and option
 * the example spells out against the real types. Returns one message per example that does not
 * compile.
 */
export function compileExamples(examples: Example[]): string[] {
  const index = join(ROOT, 'src/index.ts');
  const indexNames = exportsOf(index);
  const files = new Map<string, string>();
  const sources = examples.map((ex, i) => {
    const name = join(ROOT, `test/docs/.examples/ex${i}.ts`);
    return { ex, name, free: new Set<string>() };
  });
  const build = () => {
    files.clear();
    for (const s of sources) files.set(s.name, wrap(s.ex, s.free, indexNames, index));
    const host = ts.createCompilerHost(OPTIONS);
    const read = host.readFile.bind(host);
    const exists = host.fileExists.bind(host);
    host.readFile = (f) => files.get(f) ?? read(f);
    host.fileExists = (f) => files.has(f) || exists(f);
    const program = ts.createProgram([...files.keys()], OPTIONS, host);
    return sources.map((s) => ts.getPreEmitDiagnostics(program, program.getSourceFile(s.name)));
  };
  let diagnostics = build();
  // Names the example uses but does not define: declare them and check again.
  let grew = false;
  diagnostics.forEach((ds, i) => {
    for (const d of ds) {
      if (d.code === 2304 || d.code === 2552 || d.code === 18004) {
        const name = /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, '\n'))?.[1];
        if (name) {
          sources[i]!.free.add(name);
          grew = true;
        }
      }
    }
  });
  if (grew) diagnostics = build();
  return diagnostics.flatMap((ds, i) =>
    ds.length === 0 ? [] : [`${sources[i]!.ex.where}: ${ds.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join(' | ')}`],
  );
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  // Free names are declared `any`, so callbacks passed to them cannot be typed from context.
  noImplicitAny: false,
  skipLibCheck: true,
  noEmit: true,
  noUnusedLocals: false,
  allowImportingTsExtensions: true,
};

function exportsOf(file: string): Set<string> {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  sf.forEachChild((node) => {
    // `export * from './errors.js'`: every name that module exports.
    if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      for (const name of exportsOf(join(dirname(file), node.moduleSpecifier.text.replace(/\.js$/, '.ts')))) names.add(name);
    } else if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
      for (const e of node.exportClause.elements) names.add(e.name.text);
    } else if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const name = (node as { name?: ts.Identifier }).name;
      if (name && ts.isIdentifier(name)) names.add(name.text);
      if (ts.isVariableStatement(node)) for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    }
  });
  return names;
}

function wrap(ex: Example, free: Set<string>, indexNames: Set<string>, index: string): string {
  const imports: string[] = [];
  const body = ex.code.replace(IMPORT_LINE, (line, from: string) => {
    const target = from === 'statevisor' ? index : from === 'statevisor/testing' ? join(ROOT, 'src/testing/index.ts') : from;
    imports.push(line.replace(`'${from}'`, `'${target}'`));
    return '';
  });
  const own = ex.module ? exportsOf(ex.module) : new Set<string>();
  const explicit = new Set([...body.matchAll(/\b(?:const|let|function|class)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
  const imported = new Set(imports.flatMap((l) => [...l.matchAll(/([A-Za-z_$][\w$]*)\s*(?:,|\})/g)].map((m) => m[1])));
  const take = (names: Set<string>, skip: Set<string | undefined>) => [...names].filter((n) => !skip.has(n) && !explicit.has(n) && !imported.has(n));
  const ownNames = take(own, new Set());
  const indexOnly = take(indexNames, new Set(ownNames));
  const head = [
    ...imports,
    ownNames.length ? `import { ${ownNames.join(', ')} } from '${ex.module!}';` : '',
    indexOnly.length ? `import { ${indexOnly.join(', ')} } from '${index}';` : '',
    ...[...free].map((n) => `declare const ${n}: any;`),
  ];
  return `${head.join('\n')}\nexport async function example(): Promise<void> {\n${body}\n}\n`;
}
