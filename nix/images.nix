# One OCI image per role: the same environment, a different command. Non-root, CA
# certificates, tagged `<version>-<git revision>`. Each attribute is a script that
# streams the image tarball to stdout (dockerTools.streamLayeredImage).
{
  lib,
  dockerTools,
  cacert,
  tzdata,
  contest-bot,
  miniapp,
  version,
  revision,
}:
let
  roles = import ./roles.nix;
  tag = "${version}-${revision}";

  image =
    role:
    dockerTools.streamLayeredImage {
      name = "contest-bot-${role}";
      inherit tag;
      contents = [
        dockerTools.fakeNss
        cacert
        tzdata
      ];
      extraCommands = ''
        mkdir -p tmp var/lib/contest-bot run/contest-bot
        chmod 1777 tmp
      '';
      fakeRootCommands = ''
        chown -R 65534:65534 var/lib/contest-bot run/contest-bot
      '';
      enableFakechroot = false;
      config = {
        User = "65534:65534";
        Entrypoint = [ "${contest-bot}/bin/contest-bot" ];
        Cmd = [ role ];
        WorkingDir = "/var/lib/contest-bot";
        Env = [
          "SSL_CERT_FILE=${cacert}/etc/ssl/certs/ca-bundle.crt"
          "TZDIR=${tzdata}/share/zoneinfo"
          "STATE_DIR=/var/lib/contest-bot"
          "MINIAPP_DIR=${miniapp}"
          "LOG_FORMAT=json"
        ];
        Labels = {
          "org.opencontainers.image.title" = "contest-bot-${role}";
          "org.opencontainers.image.version" = version;
          "org.opencontainers.image.revision" = revision;
        };
      };
    };
in
lib.genAttrs roles image
