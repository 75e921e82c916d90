// Public API of @mixdistill/train.
export {};
