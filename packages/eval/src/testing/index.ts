// Test helpers other packages' tests (and the runnable example) use: `@mixdistill/eval/testing`.
// Not part of the library proper: a fake OpenAI-compatible server, fixture benchmark files and a
// character-level tokenizer that turns a tiny fixture checkpoint into a complete model folder.
export { writeCharTokenizer } from './char_tokenizer';
export { startFakeOpenAIServer, type FakeServer } from './fake_openai_server';
export { FIXTURE_PROBLEMS, questionIn, writeFixtureBenchmarks } from './fixture_benchmarks';
export { writeTunedFixture } from './tuned_fixture';
