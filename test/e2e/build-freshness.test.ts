import { cp, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, run, tempDir } from '../support/process.js'

/**
 * `npm start` compiles only when dist/ is not current (scripts/build.mjs --if-stale, its
 * prestart). On a project of one file, as small as tsc allows: a second start compiles
 * nothing; a changed source, a missing output or a failed build always compiles again; and
 * `npm run build` (no flag) always compiles.
 */
t.test('scripts/build.mjs --if-stale builds exactly when the sources changed', async (t) => {
  const dir = await tempDir(t, 'broadsheet-build-')
  await mkdir(path.join(dir, 'scripts'))
  await mkdir(path.join(dir, 'src'))
  await cp(path.join(ROOT, 'scripts', 'build.mjs'), path.join(dir, 'scripts', 'build.mjs'))
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  const compilerOptions = {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    outDir: 'dist',
    rootDir: '.',
    types: [],
  }
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, include: ['src'] }),
  )
  await writeFile(
    path.join(dir, 'tsconfig.build.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false }, include: ['src'] }),
  )
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'probe', type: 'module' }))
  await writeFile(path.join(dir, 'package-lock.json'), '{}')
  const source = path.join(dir, 'src', 'a.ts')
  const output = path.join(dir, 'dist', 'src', 'a.js')
  const stamp = path.join(dir, 'dist', '.build-stamp')
  const exists = (file: string) =>
    stat(file).then(
      () => true,
      () => false,
    )

  const build = (...args: string[]) =>
    run(
      process.execPath,
      [path.join(dir, 'scripts', 'build.mjs'), ...args],
      { PATH: process.env.PATH, HOME: process.env.HOME },
      60_000,
    )

  await writeFile(source, 'export const answer: number = 1\n')
  const first = await build('--if-stale')
  t.equal(first.code, 0, first.stderr)
  t.match(first.stderr, /compiling \(no dist\/ yet\)/, 'no dist/: compiles')
  t.match(await readFile(output, 'utf8'), /answer = 1/)
  t.ok(await exists(stamp), 'and records the build')

  const second = await build('--if-stale')
  t.equal(second.code, 0)
  t.equal(second.stderr, '', 'nothing changed: compiles nothing, says nothing')

  await writeFile(source, 'export const answer: number = 2\n')
  const edited = await build('--if-stale')
  t.equal(edited.code, 0, edited.stderr)
  t.match(edited.stderr, /compiling \(sources changed since the last build\)/, 'an edited source: compiles')
  t.match(await readFile(output, 'utf8'), /answer = 2/, 'the output has the edit')

  await writeFile(source, "export const answer: number = 'three'\n")
  const failed = await build('--if-stale')
  t.not(failed.code, 0, 'a type error fails the start')
  t.match(failed.stderr, /the build failed .*dist\/ is not current/)
  t.notOk(await exists(stamp), 'and leaves no record that says current')
  const failedAgain = await build('--if-stale')
  t.not(failedAgain.code, 0, 'so the next start compiles again and fails again')

  await writeFile(source, 'export const answer: number = 3\n')
  const fixed = await build('--if-stale')
  t.equal(fixed.code, 0, fixed.stderr)
  t.match(await readFile(output, 'utf8'), /answer = 3/)
  t.equal((await build('--if-stale')).stderr, '', 'current again')

  await rm(output)
  const missing = await build('--if-stale')
  t.equal(missing.code, 0, missing.stderr)
  t.match(missing.stderr, /compiling \(dist\/src\/a\.js is missing\)/, 'an output gone from dist/: compiles')
  t.ok(await exists(output), 'and it is back')

  await writeFile(
    path.join(dir, 'tsconfig.build.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, removeComments: true },
      include: ['src'],
    }),
  )
  t.match((await build('--if-stale')).stderr, /compiling/, 'a changed tsconfig: compiles')

  const forced = await build()
  t.equal(forced.code, 0, forced.stderr)
  t.ok(await exists(stamp), 'npm run build (no flag) compiles and records it')
  t.equal((await build('--if-stale')).stderr, '', 'after which a start compiles nothing')
})
