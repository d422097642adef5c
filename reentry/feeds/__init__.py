"""Roster feeds: a drop folder per facility that the JMS (or an SFTP job) writes rosters into, and
`reentry feeds run` imports every new file once, so nobody types or uploads what the JMS knows."""
