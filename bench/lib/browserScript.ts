/**
 * Turns a TypeScript file written for the page (type-checked with the DOM
 * library like the rest of bench/) into JavaScript the browser can run, with
 * the TypeScript compiler the project already depends on.
 */
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function browserScript(path: string): Promise<string> {
  const source = await readFile(path, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, removeComments: true },
  });
  // The files only say `export {}` to be modules for the type checker; classic scripts cannot carry it.
  return outputText.replace(/^export \{\};?\s*$/m, '');
}
