// Public API of @mixdistill/eval.
export {};
