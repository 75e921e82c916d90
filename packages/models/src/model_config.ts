// config.json <-> ModelConfig through the architecture registry.
import { MixdistillError } from '@mixdistill/core';
import type { Architecture } from './architectures/architecture';
import { ARCHITECTURES, findArchitecture } from './architectures/registry';
import { ConfigReader, type ConfigJson, type ModelConfig } from './config';

/** Parses a Hugging Face config.json (already JSON-parsed); `file` names it in errors. */
export function parseModelConfig(json: unknown, file: string): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MixdistillError(`${file}: expected a JSON object`);
  }
  const raw = json as ConfigJson;
  const supported = ARCHITECTURES.map((a) => `${a.modelType} (${a.className})`).join(', ');
  const architecture = typeof raw.model_type === 'string' ? findArchitecture(raw.model_type) : undefined;
  if (!architecture) {
    throw new MixdistillError(
      `${file}: field "model_type" is ${JSON.stringify(raw.model_type)}; supported: ${supported}`,
    );
  }
  if (raw.architectures !== undefined) {
    const classes = raw.architectures;
    if (!Array.isArray(classes) || !classes.includes(architecture.className)) {
      throw new MixdistillError(
        `${file}: field "architectures" is ${JSON.stringify(classes)}; model_type ${architecture.modelType} needs ["${architecture.className}"]`,
      );
    }
  }
  return architecture.parseConfig(new ConfigReader(raw, file));
}

/** The registered family of a parsed config. */
export function architectureOf(config: ModelConfig): Architecture {
  const architecture = findArchitecture(config.modelType);
  if (!architecture)
    throw new MixdistillError(`model_type ${JSON.stringify(config.modelType)} is not a registered architecture`);
  return architecture;
}

/** config.json for a typed config, as transformers' from_pretrained reads it. */
export function modelConfigJson(config: ModelConfig): ConfigJson {
  const architecture = architectureOf(config);
  return { architectures: [architecture.className], ...architecture.configJson(config) };
}
