"""How a fake is reached: translations between a transport and the fakes' rules."""
