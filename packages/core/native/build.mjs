// Placeholder replaced by the native backend work: the install must never fail because of the addon.
console.error('[mixdistill] native addon: no sources yet, skipping build');
