# `nix run .#push-images -- REGISTRY [TAG]`: stream every role's image into a registry
# with skopeo (credentials from `skopeo login` / REGISTRY_AUTH_FILE, never from Nix).
{
  lib,
  writeShellApplication,
  skopeo,
  images,
}:
writeShellApplication {
  name = "push-images";
  runtimeInputs = [ skopeo ];
  text = ''
    if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
      echo "usage: push-images REGISTRY [TAG]   e.g. push-images ghcr.io/acme" >&2
      exit 64
    fi
    registry="''${1%/}"
    ${lib.concatStrings (
      lib.mapAttrsToList (role: image: ''
        tag="''${2:-${image.imageTag}}"
        echo "pushing contest-bot-${role}:$tag to $registry" >&2
        ${image} | skopeo copy --insecure-policy docker-archive:/dev/stdin \
          "docker://$registry/contest-bot-${role}:$tag"
      '') images
    )}
  '';
}
