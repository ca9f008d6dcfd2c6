import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePyramidPaths } from '../../src/config/resolve-pyramid-paths.ts';

const homedir = '/home/ada';
const cwd = '/work/project';

describe('resolvePyramidPaths', () => {
  it('defaults to ~/.pyramid/pyramid.yaml', () => {
    assert.deepStrictEqual(resolvePyramidPaths({ env: {}, homedir, cwd }), {
      home: '/home/ada/.pyramid',
      configFile: '/home/ada/.pyramid/pyramid.yaml',
    });
  });

  it('uses PYRAMID_HOME for both', () => {
    assert.deepStrictEqual(resolvePyramidPaths({ env: { PYRAMID_HOME: '/srv/pyramid' }, homedir, cwd }), {
      home: '/srv/pyramid',
      configFile: '/srv/pyramid/pyramid.yaml',
    });
  });

  it('prefers PYRAMID_CONFIG over PYRAMID_HOME for the file, and --config over both', () => {
    const env = { PYRAMID_HOME: '/srv/pyramid', PYRAMID_CONFIG: '/etc/pyramid.yaml' };
    assert.equal(resolvePyramidPaths({ env, homedir, cwd }).configFile, '/etc/pyramid.yaml');
    const explicit = resolvePyramidPaths({ env, explicitConfigPath: 'local.yaml', homedir, cwd });
    assert.deepStrictEqual(explicit, { home: '/srv/pyramid', configFile: '/work/project/local.yaml' });
  });

  it('expands ~ and ignores empty variables', () => {
    const env = { PYRAMID_HOME: '~/pyr', PYRAMID_CONFIG: '' };
    assert.deepStrictEqual(resolvePyramidPaths({ env, explicitConfigPath: '', homedir, cwd }), {
      home: '/home/ada/pyr',
      configFile: '/home/ada/pyr/pyramid.yaml',
    });
  });
});
