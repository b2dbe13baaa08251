import { execFile } from 'node:child_process';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const run = promisify(execFile);

/**
 * The package as `npm install switchboard` lays it out, built from this tree into `dir`: its
 * package.json (so `exports` is what resolves `switchboard/register`), `bin/`, and `dist/src`
 * compiled by tsc with the project's own settings. Tests of what ships run against this, not
 * against the TypeScript sources through tsx, which no user runs.
 */
export async function buildPackage(dir: string): Promise<string> {
  const pkg = join(dir, 'switchboard');
  await mkdir(pkg, { recursive: true });
  const tsconfig = join(dir, 'tsconfig.json');
  await writeFile(tsconfig, JSON.stringify({
    extends: join(ROOT, 'tsconfig.json'),
    compilerOptions: { outDir: join(pkg, 'dist'), rootDir: ROOT, declaration: false, sourceMap: false, incremental: false },
    include: [join(ROOT, 'src/**/*.ts'), join(ROOT, 'src/**/*.cts')],
  }));
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { cwd: ROOT });
  await cp(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  await cp(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  return pkg;
}

/** A project folder whose `node_modules` holds the built package and the named real packages from this tree. */
export async function projectWith(dir: string, pkg: string, packages: string[]): Promise<string> {
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(pkg, join(dir, 'node_modules', 'switchboard'), 'dir');
  for (const name of packages) await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  return dir;
}

export const REPO_NODE_MODULES = join(ROOT, 'node_modules');
