/**
 * Finds a Python interpreter that can import the reference tools (numpy, scipy,
 * scikit-learn, nibabel from Debian's packages), for benchmarks and fixture scripts.
 * Debian installs those for the system interpreter, which may not be the first
 * `python3` on PATH (pyenv and similar shadow it).
 */
import { spawnSync } from 'node:child_process';

const CANDIDATES = [process.env.B2M_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[];

/** The first interpreter that imports all `modules`, or null. */
export function findPython(modules: string[] = ['numpy']): string | null {
  for (const py of CANDIDATES) {
    const r = spawnSync(py, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}
