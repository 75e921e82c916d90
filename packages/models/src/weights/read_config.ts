// Reads the JSON files of a model folder with errors that name the file.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import type { ModelConfig } from '../config';
import { parseModelConfig } from '../model_config';

/** Parsed JSON of `dir/name`; undefined when the file is absent and `optional`. */
export function readJsonFile(dir: string, name: string, optional: true): unknown | undefined;
export function readJsonFile(dir: string, name: string, optional?: false): unknown;
export function readJsonFile(dir: string, name: string, optional = false): unknown | undefined {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MixdistillError(`${file}: cannot read (${(err as Error).message.split('\n')[0]})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MixdistillError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** `dir/config.json`, parsed and checked as loading the model would (errors name the file and field). */
export function readModelConfig(dir: string): ModelConfig {
  return parseModelConfig(readJsonFile(dir, 'config.json'), path.join(dir, 'config.json'));
}
