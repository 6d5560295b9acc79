20261130T175315Z-810707files ‹ð¶Ø(Ð¨‡š22026-11-30T17:53:15Z:vm@J`
files1.0.0"files/*3 items, 183 bytes:2{"files":2,"directories":1,"bytes":12,"skipped":0}RV
files/tree/a.txt@5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03RZ
files/tree/sub/b.txt@e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317RU
files/manifest«@dee65aaff684591c8cef4b775b916ef8299b769bccb8101b94ee547e727c8f67X·