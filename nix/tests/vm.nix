# NixOS VM test: the module on one machine with a local Telegram Bot API emulator;
# every unit comes up, nginx routes as the local stack tests expect, the webhook
# checks its secret and takes an update, a whole contest runs through nginx
# (drive_contest.py: publish, participants press Participate, draw at the deadline,
# results reply in the channel, one private message per winner), every role survives
# a restart, and only 22/80/443 listen publicly.
{
  pkgs,
  nixosModule,
  testEnv,
  source,
}:
let
  inherit (pkgs) lib;
  botToken = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ0";
  webhookSecret = "vm-test-webhook-secret";
  domain = "contest-bot.test";
  people = import ./scenario.nix;
  scenario = pkgs.writeText "contest-bot-vm-scenario.json" (builtins.toJSON people.emulator);
  afterEmulator = {
    after = [ "telegram-emulator.service" ];
    wants = [ "telegram-emulator.service" ];
  };
  idList = ids: lib.concatMapStringsSep "," toString ids;
  alertsQuery = pkgs.writeText "contest-bot-vm-alerts-query.json" (builtins.toJSON {
    user_id = people.organizer;
  });
  # A file in the store, so the test script only names its path: JSON spliced into a
  # quoted Python string would break the script's syntax.
  startUpdate = pkgs.writeText "contest-bot-vm-start-update.json" (builtins.toJSON {
    update_id = 1;
    message = {
      message_id = 1;
      date = 1700000000;
      chat = {
        id = 4242;
        type = "private";
      };
      from = {
        id = 4242;
        is_bot = false;
        first_name = "Vm";
      };
      text = "/start";
      entities = [
        {
          type = "bot_command";
          offset = 0;
          length = 6;
        }
      ];
    };
  });
in
pkgs.testers.runNixOSTest {
  name = "contest-bot";

  nodes.machine =
    { ... }:
    {
      imports = [ nixosModule ];
      virtualisation.memorySize = 2048;
      virtualisation.cores = 2;

      networking.hosts."127.0.0.1" = [ domain ];
      networking.firewall.allowedTCPPorts = [ 22 ];
      services.openssh.enable = true;

      environment.etc."contest-bot/test.env".text = ''
        BOT_TOKEN=${botToken}
        WEBHOOK_SECRET=${webhookSecret}
      '';
      # Alerts go through the emulator to the organizer's chat.
      environment.etc."contest-bot/alerts-bot-token".text = botToken;

      systemd.services.telegram-emulator = {
        description = "Telegram Bot API emulator (tests.telegram_emulator)";
        wantedBy = [ "multi-user.target" ];
        before = [ "contest-bot.target" ];
        serviceConfig = {
          # The bot's webhook is http://${domain}/telegram/webhook (nginx.tls = false), a
          # name the emulator only posts to when told; /etc/hosts points it at 127.0.0.1.
          ExecStart = lib.concatStringsSep " " [
            "${testEnv}/bin/python -m tests.telegram_emulator"
            "--host 127.0.0.1 --port 8081"
            "--token ${botToken}"
            "--scenario ${scenario}"
            "--no-flood"
            "--webhook-host ${domain}"
          ];
          WorkingDirectory = "${source}";
          DynamicUser = true;
        };
      };

      # The roles call the Bot API at startup (the bot sets its webhook): start them
      # after the emulator rather than relying on restarts.
      systemd.services.contest-bot-api = afterEmulator;
      systemd.services.contest-bot-bot = afterEmulator;
      systemd.services.contest-bot-scheduler = afterEmulator;
      systemd.services.contest-bot-worker-main = afterEmulator;
      systemd.services.contest-bot-worker-second = afterEmulator;
      systemd.services.alertmanager = afterEmulator;

      services.contest-bot = {
        enable = true;
        inherit domain;
        nginx.tls = false;
        openFirewall = true;
        monitoring.enable = true;
        monitoring.alerts.telegram = {
          chatId = people.organizer;
          botTokenFile = "/etc/contest-bot/alerts-bot-token";
          apiUrl = "http://127.0.0.1:8081";
        };
        environmentFiles = [ "/etc/contest-bot/test.env" ];
        settings = {
          TELEGRAM_API_URL = "http://127.0.0.1:8081";
          ADMIN_IDS = toString people.organizer;
          # no drand relay in the VM (no network): draws there are contest-bot-draw/v1
          BEACON_ENABLED = "false";
        };
        worker.processes = {
          main = { };
          second = { };
        };
      };
    };

  testScript = ''
    import json

    machine.start()
    for unit in [
        "postgresql.target",
        "redis-contest-bot.service",
        "telegram-emulator.service",
        "contest-bot-migrate.service",
        "contest-bot-api.service",
        "contest-bot-bot.service",
        "contest-bot-worker-main.service",
        "contest-bot-worker-second.service",
        "contest-bot-scheduler.service",
        "nginx.service",
        "prometheus.service",
        "alertmanager.service",
        "postgresqlBackup-contest-bot.timer",
    ]:
        machine.wait_for_unit(unit)
    machine.wait_for_open_port(80)
    machine.wait_for_open_unix_socket("/run/contest-bot/api.sock")
    machine.wait_for_open_unix_socket("/run/contest-bot/bot.sock")

    with subtest("nginx serves the Mini App and the API"):
        machine.succeed("curl -fsS http://${domain}/ | grep -qi '<html'")
        machine.succeed("curl -fsS -o /dev/null http://127.0.0.1:9180/healthz")
        machine.wait_until_succeeds("curl -fsS http://127.0.0.1:9180/readyz", timeout=60)
        machine.succeed("curl -fsS http://127.0.0.1:9180/metrics | grep -q '^# TYPE'")
        status = machine.succeed(
            "curl -s -o /dev/null -w '%{http_code}' http://${domain}/nope"
        )
        assert status == "404", status

    with subtest("the webhook checks Telegram's secret token"):
        def post_update(secret_header):
            return machine.succeed(
                "curl -s -o /dev/null -w '%{http_code}' -X POST "
                "-H 'Content-Type: application/json' " + secret_header +
                " --data-binary @${startUpdate} http://${domain}/telegram/webhook"
            )
        assert post_update("") in ("401", "403"), "webhook without secret accepted"
        assert post_update("-H 'X-Telegram-Bot-Api-Secret-Token: wrong'") in ("401", "403")
        assert post_update(
            "-H 'X-Telegram-Bot-Api-Secret-Token: ${webhookSecret}'"
        ) == "200"

    with subtest("a whole contest through nginx: publish, join, draw, announce, notify"):
        # The driver is standard-library Python; tests/stack/test_vm_driver.py runs the
        # same file against the local production stack.
        summary = json.loads(machine.succeed(
            "${testEnv}/bin/python ${./drive_contest.py}"
            " --site http://${domain} --emulator http://127.0.0.1:8081"
            " --token '${botToken}' --organizer ${toString people.organizer}"
            " --channel @${people.channel}"
            " --members ${idList people.members} --outsiders ${idList people.outsiders}"
            " --winners 2 --deadline-in 20"
        ))
        assert summary["participants"] == ${toString (builtins.length people.members)}, summary
        assert len(summary["winners"]) == 2, summary

    with subtest("alerts reach a person: the Watchdog arrives in the ops chat"):
        # Prometheus evaluates the rules every minute and resends firing alerts every
        # minute; the Watchdog has no group_wait. tests/test_alerting.py checks the
        # message shape against Debian's Prometheus and Alertmanager.
        machine.wait_until_succeeds(
            "curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @${alertsQuery}"
            " http://127.0.0.1:8081/_emulator/messages_to_user | grep -q 'Alerting is alive'",
            timeout=240,
        )

    with subtest("every role survives a restart of its own"):
        for role in ["api", "bot", "worker-main", "scheduler"]:
            machine.succeed(f"systemctl restart contest-bot-{role}.service")
            machine.wait_for_unit(f"contest-bot-{role}.service")
        machine.wait_until_succeeds("curl -fsS http://127.0.0.1:9180/readyz", timeout=60)

    with subtest("only SSH and nginx listen publicly; the app only on unix sockets"):
        public: set[int] = set()
        for line in machine.succeed("ss -Htlnp").splitlines():
            address, port = line.split()[3].rsplit(":", 1)
            if not address.strip("[]").startswith("127.") and address.strip("[]") != "::1":
                public.add(int(port))
            if "python" in line:  # only the emulator, never a role of the app
                assert line.split()[3] == "127.0.0.1:8081", line
        assert public <= {22, 80, 443}, f"unexpected public ports: {public}"
  '';
}
