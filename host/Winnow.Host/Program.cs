using Winnow.Host;

return Cli.Execute(args);
