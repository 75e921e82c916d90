// Public safetensors API: reading (lazy, validated) and writing (atomic, streamed) checkpoints.
export { Checkpoint } from './checkpoint';
export type { TensorEntry } from './checkpoint';
export { SafetensorsFile } from './safetensors_file';
export { SafetensorsWriter, writeSafetensors } from './writer';
export type { TensorSpec, WriteTensor } from './writer';
export { writeCheckpoint } from './write_checkpoint';
export type { WriteCheckpointOptions } from './write_checkpoint';
export { INDEX_FILE, SINGLE_FILE } from './checkpoint_index';
export { DEFAULT_MAX_SHARD_BYTES } from './shard_plan';
export { DTYPE_BYTES, SAFETENSORS_DTYPES, elementCount } from './dtype';
export type { SafetensorsDtype, WritableDtype } from './dtype';
export { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './half_float';
