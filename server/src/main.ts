/**
 * Entry point. Checks the Node version before anything that needs it is
 * loaded, then validates the configuration and starts serving.
 */
const MIN_NODE_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  console.error(
    `This server needs Node.js ${MIN_NODE_MAJOR} or newer (Colyseus 0.18 requires it); this is Node.js ${process.versions.node}.\n` +
      'Start it with `npm start`, which runs the Node.js 22 that `npm install` puts in node_modules, or install Node.js 22+.',
  );
  process.exit(1);
}

const { loadConfig, ConfigError } = await import('./config.js');
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const { startGameServer } = await import('./app.js');
const { openModeration } = await import('./moderation/index.js');
try {
  // The database (PGlite in DATA_DIR, or DATABASE_URL) opens and migrates before anything is served.
  const moderation = await openModeration(config);
  await startGameServer(config, { handleSignals: true, moderation });
} catch (error) {
  console.error(`The server could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
console.log(`Metaverse server listening on http://localhost:${config.port} (host ${config.host})`);
