# The Mini App production build (Vite), from app/miniapp/package-lock.json.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs,
  version,
}:
let
  src = lib.fileset.toSource {
    root = ../app/miniapp;
    fileset = lib.fileset.difference ../app/miniapp (
      lib.fileset.unions [
        (lib.fileset.maybeMissing ../app/miniapp/node_modules)
        (lib.fileset.maybeMissing ../app/miniapp/dist)
      ]
    );
  };
in
buildNpmPackage {
  pname = "contest-bot-miniapp";
  inherit version src nodejs;

  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;
  npmBuildScript = "build";

  # Precompress text assets once, so nginx's gzip_static serves them as they are.
  installPhase = ''
    runHook preInstall
    cp -r dist $out
    find $out -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) \
      -exec gzip -9 -k -n {} \;
    runHook postInstall
  '';

  meta.description = "Contest Bot Mini App (static production build)";
}
