# The people and the channel of the VM test's contest, preloaded into the Bot API
# emulator (`--scenario`, format in tests/telegram_emulator/scenario.py): the organizer
# (an ADMIN_IDS user) created the channel, the bot is its admin, the members joined it,
# the outsider did not. Pure data, so tests/test_nix.py loads it into an emulator.
let
  organizer = 700000001;
  members = [
    810000001
    810000002
    810000003
    810000004
  ];
  outsiders = [ 810000009 ];
  channel = "vm_contest_channel";
in
{
  inherit
    organizer
    members
    outsiders
    channel
    ;
  emulator = {
    users = map (id: {
      user_id = id;
      first_name = "User${toString id}";
    }) ([ organizer ] ++ members ++ outsiders);
    chats = [
      {
        type = "channel";
        title = "VM channel";
        username = channel;
        chat_id = -1001234567890;
        creator = organizer;
        inherit members;
        bot_admin = true;
      }
    ];
  };
}
