// Public API of @mixdistill/models.
export {};
